package ex2

import (
	"context"
	"errors"

	"idempotency/contract/ex2"
	"idempotency/grader"
)

// Exercise returns Exercise 2 with its scenarios, one per criterion.
func Exercise() grader.Exercise {
	return grader.Exercise{
		ID:       "ex2",
		Title:    "Email Service with Deduplication",
		Stub:     "exercises/ex2",
		Solution: "solutions/ex2",
		Services: map[string][]string{
			ex2.ServiceName: {ex2.SendEmail, ex2.GetEmailStatus, ex2.ResendEmail, ex2.SendTemplatedEmail},
		},
		WarmUp: warmUp,
		Scenarios: []grader.Scenario{
			sentOnce(),
			duplicateSend(),
			failedSend(),
			resendSafe(),
			templates(),
		},
	}
}

// warmUp reads an email that does not exist: any answer from the handler will do.
func warmUp(ctx context.Context, env *grader.Env) error {
	_, err := getStatus(ctx, env, "warm-up")
	var ce *grader.CallError
	if err == nil || errors.As(err, &ce) && ce.FromHandler {
		return nil
	}
	return err
}
