package ex1

import (
	"context"

	"idempotency/contract/ex1"
	"idempotency/grader"
	"idempotency/grader/internal/proxy"
)

func cancelIdempotent() grader.Scenario {
	return grader.Scenario{
		ID:     "cancel-idempotent",
		Title:  "CancelOrder is idempotent",
		Points: 25,
		Needs:  map[string][]string{ex1.ServiceName: {ex1.CreateOrder, ex1.GetOrder, ex1.CancelOrder}},
		Hint: "CancelOrder on an order that is already cancelled must succeed and return the cancelled order as it is; " +
			"on an order that does not exist it must return a terminal 404 and store nothing",
		Run: runCancelIdempotent,
	}
}

func runCancelIdempotent(ctx context.Context, env *grader.Env) error {
	first, created, err := newOrder(ctx, env)
	if err != nil {
		return err
	}
	if err := cancelTwice(ctx, env, first, created, "CancelOrder "+first); err != nil {
		return err
	}
	cancelled := created
	cancelled.Status = ex1.StatusCancelled

	// The same under a crash: the first cancel's attempt dies just before it completes.
	key, created, err := newOrder(ctx, env)
	if err != nil {
		return err
	}
	crash := env.ArmCrash(target(key, ex1.CancelOrder), proxy.CrashBeforeCompletion, 1)
	defer crash.Disarm()
	if err := cancelTwice(ctx, env, key, created, "CancelOrder "+key+" (first attempt crashed before it completed)"); err != nil {
		return err
	}
	if err := crash.Check(); err != nil {
		return err
	}
	if err := cancelUnknown(ctx, env); err != nil {
		return err
	}
	crashed := created
	crashed.Status = ex1.StatusCancelled
	readBackAfterRestart(env, "both cancelled orders", map[string]ex1.Order{first: cancelled, key: crashed})
	env.AfterRestart("a third cancel of the older order", func(ctx context.Context) error {
		sent := "CancelOrder " + first + " again, after your service process was restarted"
		env.Step("%s", sent)
		again, err := cancelOrder(ctx, env, first)
		if err != nil {
			return env.Unexpected(sent, "success, with the same cancelled order", err)
		}
		if d := diffOrders(cancelled, again); d != "" {
			return grader.Fail(sent, "the same cancelled order as before the restart: "+describe(cancelled), "%s", d)
		}
		return nil
	})
	return nil
}

// newOrder creates a fresh order for a scenario to work on.
func newOrder(ctx context.Context, env *grader.Env) (string, ex1.Order, error) {
	key := env.NewKey(ex1.ServiceName, "ord")
	env.Step("CreateOrder %s", key)
	o, err := createOrder(ctx, env, key, newOrderRequest(env.Rand))
	if err != nil {
		return key, o, env.Unexpected("CreateOrder "+key, "a new pending order", err)
	}
	return key, o, nil
}

// cancelTwice cancels key twice: both calls succeed with the same cancelled order.
func cancelTwice(ctx context.Context, env *grader.Env, key string, created ex1.Order, sent string) error {
	want := created
	want.Status = ex1.StatusCancelled
	env.Step("%s", sent)
	first, err := cancelOrder(ctx, env, key)
	if err != nil {
		return env.Unexpected(sent, "the cancelled order", err)
	}
	if d := diffOrders(want, first); d != "" {
		return grader.Fail(sent, "the order with status \"cancelled\" and nothing else changed: "+describe(want), "%s", d)
	}
	env.Step("CancelOrder %s again", key)
	second, err := cancelOrder(ctx, env, key)
	if err != nil {
		return env.Unexpected("CancelOrder "+key+" a second time", "success, with the same cancelled order", err)
	}
	if d := diffOrders(first, second); d != "" {
		return grader.Fail("CancelOrder "+key+" a second time", "the same cancelled order as the first cancel", "%s", d)
	}
	stored, err := getOrder(ctx, env, key)
	if err != nil {
		return env.Unexpected("GetOrder "+key+" after two cancels", "the cancelled order", err)
	}
	if d := diffOrders(first, stored); d != "" {
		return grader.Fail("GetOrder "+key+" after two cancels", "the cancelled order the cancels returned", "%s", d)
	}
	return nil
}

// cancelUnknown cancels an order that was never created: 404, and nothing appears.
func cancelUnknown(ctx context.Context, env *grader.Env) error {
	key := env.NewKey(ex1.ServiceName, "ord")
	sent := "CancelOrder " + key + " (an order that was never created)"
	env.Step("%s", sent)
	o, err := cancelOrder(ctx, env, key)
	if grader.Code(err) != 404 {
		return unexpectedCode(sent, "a terminal 404 error", o, err)
	}
	env.Step("GetOrder %s", key)
	o, err = getOrder(ctx, env, key)
	if grader.Code(err) != 404 {
		return unexpectedCode(sent+", then GetOrder", "404: cancelling must not create an order", o, err)
	}
	return nil
}
