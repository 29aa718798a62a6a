// Command ex6 serves your OrderOrchestrator and the four participant services on
// 127.0.0.1:$PORT (9080 when PORT is unset). Grade it with `go run ./cmd/grade ex6`;
// you do not need to change this file.
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
