package ex6

import (
	"context"
	"errors"
	"time"

	"idempotency/contract/ex6"
	"idempotency/grader"
)

// Exercise returns Exercise 6 with its scenarios, one per criterion.
func Exercise() grader.Exercise {
	return grader.Exercise{
		ID:       "ex6",
		Title:    "Distributed Transaction",
		Stub:     "exercises/ex6",
		Solution: "solutions/ex6",
		Services: map[string][]string{
			ex6.OrchestratorName:        {ex6.ProcessOrder, ex6.GetOrderResult},
			ex6.InventoryServiceName:    {ex6.ReserveStock, ex6.ReleaseReservation},
			ex6.PaymentServiceName:      {ex6.CreatePayment, ex6.RefundPayment},
			ex6.ShippingServiceName:     {ex6.CreateLabel, ex6.CancelLabel},
			ex6.NotificationServiceName: {ex6.SendNotification},
		},
		WarmUp: warmUp,
		Scenarios: []grader.Scenario{
			idempotencyKeys(),
			transactionIdempotent(),
			compensation(),
			retrySafe(),
			noDuplicates(),
			saga(),
		},
	}
}

// loadedTimeout bounds the scenarios that run at the same time as the others. A
// correct submission needs a few seconds; the margin is for a machine that grades
// several submissions at once on two cores, where one order can take many seconds.
const loadedTimeout = 60 * time.Second

// warmUp reads the result of an order that does not exist: any answer from the handler
// will do.
func warmUp(ctx context.Context, env *grader.Env) error {
	_, err := getOrderResult(ctx, env, "warm-up")
	var ce *grader.CallError
	if err == nil || errors.As(err, &ce) && ce.FromHandler {
		return nil
	}
	return err
}
