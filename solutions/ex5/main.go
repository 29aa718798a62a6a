// Command ex5 serves the reference WebhookService on 127.0.0.1:$PORT.
package main

import (
	"idempotency/contract/serve"

	restate "github.com/restatedev/sdk-go"
)

func main() {
	serve.Main(restate.Reflect(WebhookService{}))
}
