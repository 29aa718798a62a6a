// Package hints holds the hints a learner reveals one level at a time with
// `go run ./cmd/grade hint EXERCISE CRITERION`. Level 1 is the scenario's own Hint, which
// the report shows at the first failure; the levels here come after it, from a nudge to
// the exact SDK call. Exercises without levels here have only their scenario's hint.
package hints

// Levels returns the hints after the first for one criterion of one exercise, in order,
// or nil when there are none.
func Levels(exercise, criterion string) []string {
	return all()[exercise][criterion]
}

// all returns every exercise's levels: exercise id -> criterion id -> levels 2, 3, ...
func all() map[string]map[string][]string {
	return map[string]map[string][]string{
		"ex1": ex1(),
	}
}

func ex1() map[string][]string {
	return map[string][]string{
		"duplicate-create": {
			"The object key is the order ID, and everything CreateOrder stores lives under it. " +
				"A second CreateOrder for the same key must notice that an order is already stored, and hand it back, whatever the new request says.",
			"At the top of CreateOrder, before validating anything, read the stored order: " +
				"existing, err := restate.Get[*ex1.Order](ctx, \"order\"). A nil pointer means there is no order yet; otherwise return *existing.",
			"SDK: restate.Get[T](ctx, key) reads the object's state, restate.Set(ctx, key, value) writes it, restate.Key(ctx) is the order ID. " +
				"Restate queues calls for one key (exclusive handlers), so concurrent duplicates need no lock.",
		},
		"deterministic-number": {
			"The grader crashes CreateOrder just before it completes; Restate then runs the handler again and replays its journal. " +
				"Whatever is computed outside the journal is computed anew on that retry: a new random number, a new time.",
			"Look for math/rand, time.Now() and uuid.New() in CreateOrder. Each value must come from a journaled source: " +
				"the number from restate.Rand(ctx), the time from inside restate.Run.",
			"SDK: restate.Rand(ctx).Uint64() is seeded per invocation and gives the same numbers on replay; " +
				"createdAt, err := restate.Run(ctx, func(restate.RunContext) (time.Time, error) { return time.Now().UTC(), nil }) records the time once.",
		},
		"cancel-idempotent": {
			"Cancelling is a state change from pending to cancelled. Cancelling a cancelled order changes nothing and succeeds; " +
				"cancelling an order that does not exist is an error the caller must see at once, not one to retry.",
			"In CancelOrder: read the order with restate.Get; nil -> a terminal 404; already cancelled -> return the order as it is, no error; " +
				"otherwise set the status to ex1.StatusCancelled, restate.Set it and return it.",
			"SDK: restate.ToTerminalError(fmt.Errorf(\"order %s not found\", restate.Key(ctx)), restate.WithErrorCode(404)) ends the call with 404 and no retry; " +
				"a plain error would be retried until the attempt budget runs out.",
		},
		"cancel-once": {
			"The grader counts cancellation notices at the notification gateway: five cancels of one order, some at once and one crashed " +
				"mid-way, must produce exactly one notice.",
			"Send the notice only on the change from pending to cancelled (return early when the order is already cancelled), and send it " +
				"inside restate.Run, so that a retry after a crash replays the recorded result instead of sending again.",
			"SDK: _, err := restate.Run(ctx, func(restate.RunContext) (string, error) { return fixtures.SendNotification(order.CustomerID, ex1.CancelledEvent, order.OrderID) }), " +
				"then restate.Set the cancelled order.",
		},
		"update-order": {
			"UpdateOrder is allowed only while the order is pending; after a cancel it must refuse, and the refusal is final: a retry cannot change the status.",
			"Read the order; nil -> terminal 404; status not pending -> terminal 409; otherwise replace Items and Total only " +
				"(keep the number, customer, status and createdAt), restate.Set the order and return it.",
			"SDK: restate.ToTerminalError(fmt.Errorf(\"order %s is %s\", order.OrderID, order.Status), restate.WithErrorCode(409)).",
		},
	}
}
