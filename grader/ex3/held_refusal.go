package ex3

import (
	"context"
	"fmt"

	"idempotency/contract/ex3"
	"idempotency/grader"
)

// heldRefusal reserves one more unit on a product that has none left (want is its
// level), while the fault proxy holds the attempt right after its first state write,
// if it makes one. A refusal takes nothing, not even for a moment (R16): GetStockLevel
// read while the attempt is held must still be want, and the reservation must then be
// refused with 409. A handler that takes the units first and puts them back on a
// refusal shows only here: during a burst a read lands between its two writes by chance.
// With an exclusive GetStockLevel the read would wait for the held attempt, and no
// reading can see a state between two writes: the hold is released at once.
// It returns the refused reservation ID.
func heldRefusal(ctx context.Context, env *grader.Env, key string, want level) (string, error) {
	id := newReservationID(env.Rand)
	req := reservationRequest(key, id, 1)
	sent := fmt.Sprintf("ReserveStock %s 1 unit (%s) with no stock left, held by the grader right after its first state write (if it makes one)", key, id)
	env.Step("ReserveStock %s (%s) with no stock left, GetStockLevel while it is held after a state write", key, id)

	hold := env.ArmStateHold(target(key, ex3.ReserveStock))
	defer hold.Release()
	type answer struct {
		r   ex3.Reservation
		err error
	}
	done := make(chan answer, 1)
	go func() {
		r, err := reserve(ctx, env, key, req)
		done <- answer{r, err}
	}()
	var a answer
	select {
	case a = <-done:
	case <-hold.Held():
		if env.Registration.Shared(ex3.ServiceName, ex3.GetStockLevel) {
			if err := hold.Journaled(ctx); err != nil {
				return id, err
			}
			got, err := getStock(ctx, env, key)
			if err != nil {
				return id, env.Unexpected(sent+", GetStockLevel meanwhile", want.String(), err)
			}
			if d := diffStock(want, got); d != "" {
				return id, grader.Fail(sent+", GetStockLevel meanwhile", want.String()+": a refused reservation takes nothing, not even for a moment",
					"%s: %s", describeStock(got), d).
					WithHint("check availableStock against the quantity before you restate.Set anything: taking the units and putting them back on a refusal lets a concurrent GetStockLevel see stock that is not there")
			}
		}
		hold.Release()
		a = <-done
	}
	if grader.Code(a.err) != 409 {
		return id, unexpectedCode(env, sent, "a terminal 409 (no stock left)", shownReservation(a.r), a.err)
	}
	return id, nil
}
