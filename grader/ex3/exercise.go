package ex3

import (
	"context"
	"errors"

	"idempotency/contract/ex3"
	"idempotency/grader"
)

// Exercise returns Exercise 3 with its scenarios, one per criterion.
func Exercise() grader.Exercise {
	return grader.Exercise{
		ID:       "ex3",
		Title:    "Inventory Reservation",
		Stub:     "exercises/ex3",
		Solution: "solutions/ex3",
		// ExpireReservation is listed although no scenario calls it (a submission may
		// expire reservations another way): a handler of the contract that is not listed
		// would be taken for a renamed ReleaseReservation when that one is missing.
		Services: map[string][]string{
			ex3.ServiceName: {ex3.Restock, ex3.ReserveStock, ex3.ReleaseReservation, ex3.GetStockLevel, ex3.GetReservation, ex3.ExpireReservation},
		},
		WarmUp: warmUp,
		Scenarios: []grader.Scenario{
			stockAccurate(),
			duplicateReservation(),
			releaseRestores(),
			concurrentReservations(),
			reservationExpiry(),
		},
	}
}

// warmUp reads the stock of a product nobody uses: any answer from the handler will do.
// It only pays the SDK's first-call cost early; when the engine's start-up deadline runs
// out first (a heavily loaded machine), the scenarios pay it, each within its own
// deadline, instead of the whole run being "could not judge".
func warmUp(ctx context.Context, env *grader.Env) error {
	_, err := getStock(ctx, env, "warm-up")
	var ce *grader.CallError
	if err == nil || errors.As(err, &ce) && ce.FromHandler || ctx.Err() != nil {
		return nil
	}
	return err
}
