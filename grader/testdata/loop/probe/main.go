// Command probe is a service that fails each of Restate's characteristic ways, so that
// the grader's explanations are tested against the real messages of restate-server.
package main

import (
	"errors"
	"time"

	"idempotency/contract/serve"

	restate "github.com/restatedev/sdk-go"
)

// Probe is a virtual object with one handler per kind of failure.
type Probe struct{}

// Mismatch stores a time taken outside restate.Run, then suspends: the replay after the
// resumption stores a different value (a journal mismatch, 570).
func (Probe) Mismatch(ctx restate.ObjectContext) (string, error) {
	restate.Set(ctx, "at", time.Now().String())
	if err := restate.Sleep(ctx, 5*time.Millisecond); err != nil {
		return "", err
	}
	return "ok", nil
}

// Plain returns a plain error, which Restate retries until the attempt budget is spent.
func (Probe) Plain(ctx restate.ObjectContext) (string, error) {
	return "", errors.New("payment gateway said no")
}

// Panics panics in the handler; the SDK recovers it and Restate retries.
func (Probe) Panics(ctx restate.ObjectContext) (string, error) {
	var counts map[string]int
	counts[restate.Key(ctx)]++
	return "", nil
}

// Terminal fails terminally: no retry.
func (Probe) Terminal(ctx restate.ObjectContext) (string, error) {
	return "", restate.ToTerminalError(errors.New("no such thing"), restate.WithErrorCode(404))
}

func main() { serve.Main(restate.Reflect(Probe{})) }
