package ex4

import (
	"context"
	"errors"

	"idempotency/contract/ex4"
	"idempotency/grader"
)

// Exercise returns Exercise 4 with its scenarios, one per criterion.
func Exercise() grader.Exercise {
	return grader.Exercise{
		ID:       "ex4",
		Title:    "Subscription Service",
		Stub:     "exercises/ex4",
		Solution: "solutions/ex4",
		Services: map[string][]string{
			ex4.ServiceName: {ex4.CreateSubscription, ex4.CancelSubscription, ex4.UpdatePlan, ex4.GetSubscription, ex4.Renew},
		},
		WarmUp: warmUp,
		Scenarios: []grader.Scenario{
			createOnce(),
			cancelIdempotent(),
			planUpdates(),
			emailsOnce(),
			stateConsistent(),
			renewal(),
		},
	}
}

// warmUp reads a subscription that does not exist: any answer from the handler will do.
func warmUp(ctx context.Context, env *grader.Env) error {
	_, err := getSub(ctx, env, "warm-up")
	var ce *grader.CallError
	if err == nil || errors.As(err, &ce) && ce.FromHandler {
		return nil
	}
	return err
}
