// Command ex2 serves a deliberately broken EmailService on 127.0.0.1:$PORT (9080 when PORT is unset).
package main

import (
	"idempotency/contract/serve"

	restate "github.com/restatedev/sdk-go"
)

func main() {
	serve.Main(restate.Reflect(EmailService{}))
}
