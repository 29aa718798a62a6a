// Command ex5 serves a deliberately broken WebhookService (see webhook_service.go).
package main

import (
	"idempotency/contract/serve"

	restate "github.com/restatedev/sdk-go"
)

func main() {
	serve.Main(restate.Reflect(WebhookService{}), restate.Reflect(PaymentLedger{}))
}
