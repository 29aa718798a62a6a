package ex6

import (
	"context"
	"fmt"
	"sync"

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
		return res, env.Unexpected(sent, expectedOutcome(o), err)
	}
	return res, nil
}

// processConcurrently sends n identical ProcessOrder calls for o at once.
func processConcurrently(ctx context.Context, env *grader.Env, o order, n int) ([]ex6.OrderResult, []error) {
	results := make([]ex6.OrderResult, n)
	errs := make([]error, n)
	var wg sync.WaitGroup
	for i := range n {
		wg.Go(func() { results[i], errs[i] = processOrder(ctx, env, o) })
	}
	wg.Wait()
	return results, errs
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
