package ex1

import (
	"context"
	"fmt"

	"idempotency/contract/ex1"
	"idempotency/grader"
	"idempotency/grader/internal/proxy"
)

const extraCancels = 3

func cancelOnce() grader.Scenario {
	return grader.Scenario{
		ID:     "cancel-once",
		Title:  "Cannot cancel already-cancelled order twice",
		Points: 25,
		Needs:  map[string][]string{ex1.ServiceName: {ex1.CreateOrder, ex1.GetOrder, ex1.CancelOrder}},
		Hint: "check the stored status first: when the order is already cancelled, return it without sending another " +
			"notice or writing state; send the notice inside restate.Run so a retry replays it instead of sending again",
		Run: runCancelOnce,
	}
}

func runCancelOnce(ctx context.Context, env *grader.Env) error {
	first, err := cancelOnceInARow(ctx, env)
	if err != nil {
		return err
	}
	// Under a crash just before the cancel completed: still one notice.
	key, created, err := newOrder(ctx, env)
	if err != nil {
		return err
	}
	crash := env.ArmCrash(target(key, ex1.CancelOrder), proxy.CrashBeforeCompletion, 1)
	defer crash.Disarm()
	sent := "CancelOrder " + key + " with the first attempt crashed just before it completed, then CancelOrder again"
	env.Step("%s", sent)
	if _, err := cancelOrder(ctx, env, key); err != nil {
		return env.Unexpected(sent, "the cancelled order", err)
	}
	if _, err := cancelOrder(ctx, env, key); grader.IsHarness(err) {
		return err
	}
	if err := crash.Check(); err != nil {
		return err
	}
	if err := expectNotices(env, created, sent); err != nil {
		return err
	}
	// After a restart, the older order is still cancelled: one more cancel sends nothing,
	// and creating it again does not revive it.
	env.AfterRestart("the older cancelled order, cancelled and created once more", func(ctx context.Context) error {
		sent := "CancelOrder " + first.OrderID + " once more, after your service process was restarted"
		env.Step("%s", sent)
		if _, err := cancelOrder(ctx, env, first.OrderID); grader.IsHarness(err) {
			return err
		}
		if err := expectNotices(env, first, sent); err != nil {
			return err
		}
		return expectNotRevived(ctx, env, first, "after your service process was restarted")
	})
	return nil
}

// cancelOnceInARow creates an order and cancels it five times (two in a row, three at
// once): one notice, and CreateOrder does not revive it. It returns the order.
func cancelOnceInARow(ctx context.Context, env *grader.Env) (ex1.Order, error) {
	key, created, err := newOrder(ctx, env)
	if err != nil {
		return created, err
	}
	env.Step("CancelOrder %s, again, then %d concurrent cancels", key, extraCancels)
	// Errors of the later cancels are the other criterion's business: here only the
	// effects count.
	if _, err := cancelOrder(ctx, env, key); err != nil {
		return created, env.Unexpected("CancelOrder "+key, "the cancelled order", err)
	}
	if _, err := cancelOrder(ctx, env, key); grader.IsHarness(err) {
		return created, err
	}
	// Every cancel must have reached the handler (an error answer is fine here), or
	// "one notice" would be judged on fewer cancels than the evidence claims.
	err = grader.Concurrently(ctx, extraCancels, func(ctx context.Context, i int) error {
		_, err := cancelOrder(ctx, env, key)
		return err
	})
	if grader.IsHarness(err) {
		return created, err
	}
	sent := fmt.Sprintf("CancelOrder %s %d times (one after the other, then %d at once)", key, 2+extraCancels, extraCancels)
	if err := expectNotices(env, created, sent); err != nil {
		return created, err
	}
	return created, expectNotRevived(ctx, env, created, "after it was cancelled")
}

// expectNotRevived creates a cancelled order again: it stays cancelled, with its number
// (refusing the create is fine too).
func expectNotRevived(ctx context.Context, env *grader.Env, created ex1.Order, when string) error {
	key := created.OrderID
	env.Step("CreateOrder %s again %s", key, when)
	again, err := createOrder(ctx, env, key, newOrderRequest(env.Rand))
	if err != nil && !grader.IsHarness(err) {
		// Refusing is fine too: the order must just stay cancelled.
		again, err = getOrder(ctx, env, key)
	}
	if err != nil {
		return env.Unexpected("CreateOrder "+key+" on the cancelled order", "the cancelled order", err)
	}
	if again.Status != ex1.StatusCancelled || again.OrderNumber != created.OrderNumber {
		return grader.Fail("CreateOrder "+key+" "+when, "the order stays cancelled (same number "+created.OrderNumber+", status \"cancelled\")",
			"%s", describe(again)).
			WithHint("CreateOrder must return the stored order whatever its status: a cancelled order is never created afresh")
	}
	return expectStored(ctx, env, key, again, "after CreateOrder on the cancelled order")
}

// expectNotices checks that exactly one cancellation notice went out for the order.
func expectNotices(env *grader.Env, o ex1.Order, sent string) error {
	n, err := cancelNotices(env, o)
	if err != nil {
		return err
	}
	switch {
	case n == 0:
		return grader.Fail(sent, "exactly 1 cancellation notice from the notification gateway",
			"none was sent").WithHint(fmt.Sprintf("CancelOrder must send the notice: fixtures.SendNotification(order.CustomerID, %q, order.OrderID) inside restate.Run", ex1.CancelledEvent))
	case n > 1:
		return grader.Fail(sent, "exactly 1 cancellation notice from the notification gateway",
			"the gateway delivered %d notices for order %s: the order was cancelled more than once", n, o.OrderID)
	}
	return nil
}
