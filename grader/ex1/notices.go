package ex1

import (
	"idempotency/contract/ex1"
	"idempotency/fixtures/world"
	"idempotency/grader"
)

// cancelNotices counts the cancellation notices the gateway delivered for an order.
func cancelNotices(env *grader.Env, o ex1.Order) (int, error) {
	calls := env.World.Calls(
		world.Gateway("notify"),
		world.Arg("event", ex1.CancelledEvent),
		world.Arg("reference", o.OrderID),
	).Delivered()
	return len(calls), nil
}
