package ex6

import (
	"context"
	"time"

	"idempotency/contract/ex6"
	"idempotency/grader"
)

// answer is what ProcessOrder answered an order that killDuring started.
type answer struct {
	res ex6.OrderResult
	err error
}

// heldOrSettled waits until f's gateway call is held by its park rule (held), or until
// ctx ends; early is the order's answer when it came without the call being held. An
// order that answers first may still make the call (a one-way call runs after the
// answer), so the wait goes on until the call is held or every invocation of the order
// has completed, after which no call can come: an order that never reaches the step is
// known as soon as it has settled, not after the deadline.
func heldOrSettled(ctx context.Context, env *grader.Env, f inFlight, done <-chan answer) (held bool, early *answer) {
	pctx, stop := context.WithCancel(ctx)
	defer stop()
	parked := make(chan error, 1)
	go func() {
		_, err := env.World.WaitParked(pctx, f.match(f.o)...)
		parked <- err
	}()
	select {
	case err := <-parked:
		if err == nil {
			return true, nil
		}
		select { // the deadline passed: the order may have answered meanwhile
		case a := <-done:
			return false, &a
		default:
			return false, nil
		}
	case a := <-done:
		early = &a
	}
	for {
		select {
		case err := <-parked:
			return err == nil, early
		case <-time.After(50 * time.Millisecond):
		}
		// An error asking Restate leaves the deadline to decide, as before the answer.
		if pending, err := unsettled(ctx, env, []string{f.o.ID}, true); err == nil && len(pending) == 0 {
			stop() // the call may have been claimed just now: the wait's own answer says
			return <-parked == nil, early
		}
	}
}
