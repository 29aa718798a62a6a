// Command ex3 serves the reference InventoryService.
package main

import (
	"idempotency/contract/serve"

	restate "github.com/restatedev/sdk-go"
)

func main() {
	serve.Main(restate.Reflect(InventoryService{}))
}
