// Command ex4 serves your SubscriptionService on 127.0.0.1:$PORT (9080 when PORT is unset).
// Grade it with `go run ./cmd/grade ex4`; you do not need to change this file.
package main

import (
	"idempotency/contract/serve"

	restate "github.com/restatedev/sdk-go"
)

func main() {
	serve.Main(restate.Reflect(SubscriptionService{}))
}
