package ex1

import (
	"context"
	"errors"

	"idempotency/contract/ex1"
	"idempotency/grader"
)

// Exercise returns Exercise 1 with its scenarios, one per criterion.
func Exercise() grader.Exercise {
	return grader.Exercise{
		ID:       "ex1",
		Title:    "Idempotent Order Service",
		Stub:     "exercises/ex1",
		Solution: "solutions/ex1",
		Services: map[string][]string{
			ex1.ServiceName: {ex1.CreateOrder, ex1.GetOrder, ex1.CancelOrder, ex1.UpdateOrder},
		},
		WarmUp: warmUp,
		Scenarios: []grader.Scenario{
			duplicateCreate(),
			deterministicNumber(),
			cancelIdempotent(),
			cancelOnce(),
			updateOrder(),
		},
	}
}

// warmUp reads an order that does not exist: any answer from the handler will do.
func warmUp(ctx context.Context, env *grader.Env) error {
	t := grader.Target{Service: ex1.ServiceName, Key: "warm-up", Handler: ex1.GetOrder}
	_, err := getOrder(ctx, env, t.Key)
	var ce *grader.CallError
	if err == nil || errors.As(err, &ce) && ce.FromHandler {
		return nil
	}
	return err
}
