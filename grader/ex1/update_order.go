package ex1

import (
	"context"
	"errors"

	"idempotency/contract/ex1"
	"idempotency/grader"
	"idempotency/grader/internal/proxy"
)

func updateOrder() grader.Scenario {
	return grader.Scenario{
		ID:     "update-order",
		Title:  "UpdateOrder changes items only while the order is pending",
		Points: 10,
		Needs:  map[string][]string{ex1.ServiceName: {ex1.CreateOrder, ex1.GetOrder, ex1.CancelOrder, ex1.UpdateOrder}},
		Bonus:  true,
		Hint: "UpdateOrder: 404 for an unknown order; a terminal 409 (restate.WithErrorCode(409)) when the status is not " +
			"pending; otherwise replace items and total and keep the number, customer, status and createdAt",
		Run: runUpdateOrder,
	}
}

func runUpdateOrder(ctx context.Context, env *grader.Env) error {
	key, created, err := newOrder(ctx, env)
	if err != nil {
		return err
	}
	upd := ex1.UpdateOrderRequest{Items: newItems(env.Rand)}
	upd.Total = totalOf(upd.Items)
	want := created
	want.Items, want.Total = upd.Items, upd.Total

	sent := "UpdateOrder " + key + " with new items (pending order; the first attempt crashed before it completed)"
	crash := env.ArmCrash(target(key, ex1.UpdateOrder), proxy.CrashBeforeCompletion, 1)
	defer crash.Disarm()
	env.Step("%s", sent)
	got, err := updateOrderCall(ctx, env, key, upd)
	if err != nil {
		return env.Unexpected(sent, "the updated order", err)
	}
	if err := crash.Check(); err != nil {
		return err
	}
	if d := diffOrders(want, got); d != "" {
		return grader.Fail(sent, "new items and total, everything else unchanged: "+describe(want), "%s", d)
	}
	env.Step("the same UpdateOrder again")
	again, err := updateOrderCall(ctx, env, key, upd)
	if err != nil {
		return env.Unexpected("the same UpdateOrder "+key+" again", "the same updated order", err)
	}
	if d := diffOrders(got, again); d != "" {
		return grader.Fail("the same UpdateOrder "+key+" again", "the same order as after the first update", "%s", d)
	}
	if err := expectStored(ctx, env, key, got, "after two identical updates"); err != nil {
		return err
	}

	// A cancelled order cannot be changed.
	env.Step("CancelOrder %s, then UpdateOrder", key)
	if _, err := cancelOrder(ctx, env, key); err != nil {
		return env.Unexpected("CancelOrder "+key, "the cancelled order", err)
	}
	// What CancelOrder answers is cancel-idempotent's to judge (R7); "nothing
	// changes" is judged against the order as GetOrder reads it now.
	cancelled, err := getOrder(ctx, env, key)
	if err != nil {
		return env.Unexpected("GetOrder "+key+" after CancelOrder", "the cancelled order", err)
	}
	other := ex1.UpdateOrderRequest{Items: newItems(env.Rand)}
	other.Total = totalOf(other.Items)
	sent = "UpdateOrder " + key + " on the cancelled order"
	o, err := updateOrderCall(ctx, env, key, other)
	if grader.Code(err) != 409 {
		return unexpectedCode(sent, "a terminal 409 (the order is not pending)", o, err)
	}
	if err := expectStored(ctx, env, key, cancelled, "after the refused update"); err != nil {
		return err
	}
	readBackAfterRestart(env, "the updated, then cancelled order", map[string]ex1.Order{key: cancelled})

	unknown := env.NewKey(ex1.ServiceName, "ord")
	sent = "UpdateOrder " + unknown + " (an order that was never created)"
	env.Step("%s", sent)
	o, err = updateOrderCall(ctx, env, unknown, other)
	if grader.Code(err) != 404 {
		return unexpectedCode(sent, "a terminal 404", o, err)
	}
	return nil
}

// expectStored checks that GetOrder returns want.
func expectStored(ctx context.Context, env *grader.Env, key string, want ex1.Order, when string) error {
	stored, err := getOrder(ctx, env, key)
	if err != nil {
		return env.Unexpected("GetOrder "+key+" "+when, describe(want), err)
	}
	if d := diffOrders(want, stored); d != "" {
		return grader.Fail("GetOrder "+key+" "+when, describe(want), "%s", d)
	}
	return nil
}

// unexpectedCode reports a call that should have failed with a given code.
func unexpectedCode(sent, expected string, o ex1.Order, err error) error {
	if grader.IsHarness(err) {
		return err
	}
	if err == nil {
		return grader.Fail(sent, expected, "success: %s", describe(o))
	}
	var ce *grader.CallError
	if !errors.As(err, &ce) {
		return err
	}
	return grader.Fail(sent, expected, "%s", ce.Describe())
}
