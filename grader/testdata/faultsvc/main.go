// Command faultsvc is the grader's purpose-built probe for fault kinds: a tiny virtual
// object whose handlers make each fault visible (counters kept in process memory, a
// counter kept in Restate state, a gateway call inside restate.Run, two awaits). The
// grader's own tests grade it with scenarios that each apply one fault kind and check
// that the fault had its effect (grader/faults_test.go).
package main

import (
	"idempotency/contract/serve"

	restate "github.com/restatedev/sdk-go"
)

func main() {
	serve.Main(restate.Reflect(FaultProbe{}))
}
