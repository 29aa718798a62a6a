package ex5

import (
	"context"
	"errors"

	"idempotency/contract/ex5"
	"idempotency/grader"
)

// Exercise returns Exercise 5 with its scenarios, one per criterion.
func Exercise() grader.Exercise {
	return grader.Exercise{
		ID:       "ex5",
		Title:    "Idempotent Webhook Handler",
		Stub:     "exercises/ex5",
		Solution: "solutions/ex5",
		Services: map[string][]string{
			ex5.ServiceName: {ex5.ProcessWebhook, ex5.GetWebhookStatus, ex5.ReplayWebhook},
		},
		WarmUp: warmUp,
		Scenarios: []grader.Scenario{
			processedOnce(),
			duplicateSuccess(),
			independent(),
			sideEffectsOnce(),
			replay(),
		},
	}
}

// needs is a Scenario.Needs for WebhookService's handlers.
func needs(handlers ...string) map[string][]string {
	return map[string][]string{ex5.ServiceName: handlers}
}

// warmUp reads the status of a webhook that does not exist: any answer from the
// handler will do.
func warmUp(ctx context.Context, env *grader.Env) error {
	_, err := getStatus(ctx, env, "warm-up")
	var ce *grader.CallError
	if err == nil || errors.As(err, &ce) && ce.FromHandler {
		return nil
	}
	return err
}
