package ex6

import (
	"context"
	"errors"
	"fmt"
	"slices"

	"idempotency/contract/ex6"
	"idempotency/grader"

	restate "github.com/restatedev/sdk-go"
)

func processOrder(ctx context.Context, env *grader.Env, o order) (ex6.OrderResult, error) {
	return processOrderWith(ctx, env, o.ID, o.Req)
}

func processOrderWith(ctx context.Context, env *grader.Env, key string, req ex6.OrderRequest) (ex6.OrderResult, error) {
	t := grader.Target{Service: ex6.OrchestratorName, Key: key, Handler: ex6.ProcessOrder}
	return grader.Call[ex6.OrderRequest, ex6.OrderResult](ctx, env, t, req)
}

func getOrderResult(ctx context.Context, env *grader.Env, key string) (ex6.OrderResult, error) {
	t := grader.Target{Service: ex6.OrchestratorName, Key: key, Handler: ex6.GetOrderResult}
	return grader.Call[restate.Void, ex6.OrderResult](ctx, env, t, restate.Void{})
}

// process runs ProcessOrder for o and turns an error answer into a Failure.
func process(ctx context.Context, env *grader.Env, o order, sent string) (ex6.OrderResult, error) {
	res, err := processOrder(ctx, env, o)
	if err != nil {
		return res, unexpected(env, sent, expectedOutcome(o), err, answerHint)
	}
	return res, nil
}

// answerHint is the hint of a ProcessOrder that answered with an error.
const answerHint = "a business failure (sold out, declined, undeliverable, confirmation refused) is an answer, not an error: " +
	"compensate, then return (and store) an OrderResult with status \"failed\" and a failureReason"

// failedHint is the hint of a ProcessOrder that failed with something other than a
// terminal 4xx: a panic, a plain error retried until Restate gave up.
const failedHint = "ProcessOrder failed instead of answering (see what was observed): fix that first. A failed order is an " +
	"answer with status \"failed\", and only a terminal error (restate.ToTerminalError) stops Restate from retrying"

// determinismHint is the hint of a journal mismatch: a replay took other steps.
const determinismHint = "Restate replays the journal after a crash, and the handler must take the same steps again: decide only " +
	"from what Restate recorded (state, participant answers, restate.Run results), never from Go variables, the clock or randomness"

// unexpected is env.Unexpected with a hint: the call answered with an error where an
// answer was expected. A ProcessOrder answer hint fits only a terminal business
// error; a journal mismatch or a failure Restate retried gets the hint of its cause.
func unexpected(env *grader.Env, sent, expected string, err error, hint string) error {
	var ce *grader.CallError
	if errors.As(err, &ce) {
		switch {
		case ce.IsMismatch():
			hint = determinismHint
		case hint == answerHint && !(ce.FromHandler && ce.Code >= 400 && ce.Code < 500):
			hint = failedHint
		}
	}
	err = env.Unexpected(sent, expected, err)
	var f *grader.Failure
	if errors.As(err, &f) && f.Hint == "" {
		f.WithHint(hint)
	}
	return err
}

// processConcurrently sends n identical ProcessOrder calls for o at once. The error is
// grader.Concurrently's: nil, or the failed calls' errors in order (only the harness
// errors when there are any).
func processConcurrently(ctx context.Context, env *grader.Env, o order, n int) ([]ex6.OrderResult, error) {
	results := make([]ex6.OrderResult, n)
	err := grader.Concurrently(ctx, n, func(ctx context.Context, i int) error {
		var err error
		results[i], err = processOrder(ctx, env, o)
		return err
	})
	return results, err
}

// processAll sends every order n times, all calls at once, and returns each order's
// first answer. Duplicates of an order must all get the same answer; an error answer
// is a Failure.
func processAll(ctx context.Context, env *grader.Env, orders []order, n int, sent string) ([]ex6.OrderResult, error) {
	results := make([][]ex6.OrderResult, len(orders))
	errs := make([]error, len(orders))
	err := grader.Concurrently(ctx, len(orders), func(ctx context.Context, i int) error {
		results[i], errs[i] = processConcurrently(ctx, env, orders[i], n)
		return errs[i]
	})
	if err != nil {
		o := orders[slices.IndexFunc(errs, func(err error) bool { return err != nil })]
		return nil, unexpected(env, sent, fmt.Sprintf("every call for %s answers: %s", o.ID, expectedOutcome(o)), err, answerHint)
	}
	first := make([]ex6.OrderResult, len(orders))
	for i, o := range orders {
		for j := range results[i] {
			if d := diffResults(results[i][0], results[i][j]); d != "" {
				return nil, grader.Fail(sent, "the duplicates of one order get the same result",
					"the calls for %s answered differently: %s", o.ID, d).
					WithHint("let every duplicate answer from the result the first call stored (ProcessOrder is exclusive, so duplicates wait their turn)")
			}
		}
		first[i] = results[i][0]
	}
	return first, nil
}

// expectSame fails when got is not the first answer.
func expectSame(sent string, first, got ex6.OrderResult) error {
	if d := diffResults(first, got); d != "" {
		return grader.Fail(sent, "the first result: "+describeResult(first), "a different result: %s", d).
			WithHint("a repeated ProcessOrder returns the stored result as it is, whatever the request says")
	}
	return nil
}

// expectStored reads the result back with GetOrderResult and fails unless it is first.
func expectStored(ctx context.Context, env *grader.Env, o order, first ex6.OrderResult, sent string) error {
	stored, err := getOrderResult(ctx, env, o.ID)
	if err != nil {
		return unexpected(env, sent, "the result ProcessOrder returned: "+describeResult(first), err,
			"store the result ProcessOrder returns in Restate state (restate.Set), completed or failed, and let GetOrderResult read it: "+
				"state in a Go variable is lost when the service process restarts")
	}
	if d := diffResults(first, stored); d != "" {
		return grader.Fail(sent, "the result ProcessOrder returned: "+describeResult(first), "a different result: %s", d).
			WithHint("store the result ProcessOrder returns (restate.Set) and let GetOrderResult read it")
	}
	return nil
}

// expectedOutcome says, in the learner's words, what ProcessOrder should answer for o.
func expectedOutcome(o order) string {
	if o.FailAt == stepNone {
		return fmt.Sprintf("status %q with reservationId, chargeId and labelId", ex6.StatusCompleted)
	}
	return fmt.Sprintf("status %q with a failureReason (step %q fails), not an error: a failed order is an answer", ex6.StatusFailed, stepNames[o.FailAt])
}

// describeResult prints a result the way a learner reads it.
func describeResult(r ex6.OrderResult) string {
	return fmt.Sprintf("{orderId:%q status:%q reservationId:%q chargeId:%q labelId:%q failureReason:%q}",
		r.OrderID, r.Status, r.ReservationID, r.ChargeID, r.LabelID, r.FailureReason)
}

func ids(orders []order) []string {
	out := make([]string, len(orders))
	for i, o := range orders {
		out[i] = o.ID
	}
	return out
}
