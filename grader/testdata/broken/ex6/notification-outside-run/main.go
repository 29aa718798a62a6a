// Command ex6 serves the reference OrderOrchestrator and the four participant services.
package main

import (
	"idempotency/contract/serve"

	restate "github.com/restatedev/sdk-go"
)

func main() {
	serve.Main(
		restate.Reflect(OrderOrchestrator{}),
		restate.Reflect(InventoryService{}),
		restate.Reflect(PaymentService{}),
		restate.Reflect(ShippingService{}),
		restate.Reflect(NotificationService{}),
	)
}
