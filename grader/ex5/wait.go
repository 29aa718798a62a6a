package ex5

import (
	"context"
	"fmt"
	"time"

	"idempotency/contract/ex5"
	"idempotency/fixtures/world"
	"idempotency/grader"
)

// aboutWebhook matches every gateway call about w's order or customer.
func aboutWebhook(w webhook) world.Matcher {
	return func(c world.Call) bool {
		return c.Arg(world.ArgOrderID) == w.OrderID || c.Arg(world.ArgCustomerID) == w.CustomerID ||
			c.Arg(world.ArgReference) == w.OrderID
	}
}

// waitParkedOrAnswer waits until a call matching m is parked, or until the delivery
// answers without ever reaching it (then early is that answer).
func waitParkedOrAnswer(ctx context.Context, env *grader.Env, m []world.Matcher, delivery <-chan answer) (ref world.CallRef, early *answer, err error) {
	wctx, cancel := context.WithCancel(ctx)
	defer cancel()
	type parked struct {
		ref world.CallRef
		err error
	}
	ch := make(chan parked, 1)
	go func() {
		r, err := env.World.WaitParked(wctx, m...)
		ch <- parked{r, err}
	}()
	select {
	case p := <-ch:
		if p.err != nil {
			return ref, nil, ctx.Err()
		}
		return p.ref, nil, nil
	case a := <-delivery:
		cancel()
		if p := <-ch; p.err == nil {
			// Parked at the same moment: give it back, the answer came first.
			_ = env.World.Release(p.ref)
		}
		return ref, &a, nil
	}
}

// waitInvocations waits until Restate has accepted n ProcessWebhook invocations for
// key (the running one and those queued behind it), as its introspection shows. Restate
// lists an invocation as soon as its ingress accepts it, whatever the service does, so
// only the scenario's deadline bounds the wait.
func waitInvocations(ctx context.Context, env *grader.Env, key string, n int) error {
	tick := time.NewTicker(20 * time.Millisecond)
	defer tick.Stop()
	seen := 0
	for {
		invs, err := env.Admin.Invocations(ctx, ex5.ServiceName, key)
		if err == nil {
			seen = 0
			for _, inv := range invs {
				if inv.Handler == ex5.ProcessWebhook {
					seen++
				}
			}
			if seen >= n {
				return nil
			}
		}
		select {
		case <-ctx.Done():
			return fmt.Errorf("Restate's introspection shows %d ProcessWebhook invocations for %s, waited for %d: %w", seen, key, n, ctx.Err())
		case <-tick.C:
		}
	}
}
