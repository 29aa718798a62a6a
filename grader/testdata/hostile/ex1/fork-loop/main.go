// Command ex1 serves the reference OrderService.
package main

import (
	"idempotency/contract/serve"

	restate "github.com/restatedev/sdk-go"
)

func main() {
	atStart()
	serve.Main(restate.Reflect(OrderService{}))
}
