// Command ex4 serves the reference SubscriptionService on 127.0.0.1:$PORT.
package main

import (
	"idempotency/contract/serve"

	restate "github.com/restatedev/sdk-go"
)

func main() {
	serve.Main(restate.Reflect(SubscriptionService{}))
}
