package ex1

import (
	"context"
	"errors"
	"maps"
	"slices"

	"idempotency/contract/ex1"
	"idempotency/grader"
)

// readBackAfterRestart defers, past a restart of the service process, a GetOrder of
// each key that must return its order unchanged: orders kept in process memory are
// gone by then, orders in Restate state are not.
func readBackAfterRestart(env *grader.Env, what string, want map[string]ex1.Order) {
	env.AfterRestart(what, func(ctx context.Context) error {
		for _, key := range slices.Sorted(maps.Keys(want)) {
			if err := expectStored(ctx, env, key, want[key], "after your service process was restarted"); err != nil {
				var f *grader.Failure
				if errors.As(err, &f) {
					f.Hint = "keep orders in Restate's state (restate.Set / restate.Get on the object's context), never in a Go map or variable: " +
						"a restarted process has forgotten them, Restate has not"
				}
				return err
			}
		}
		return nil
	})
}
