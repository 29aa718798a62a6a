package ex3

import (
	"context"
	"errors"
	"fmt"

	"idempotency/contract/ex3"
	"idempotency/grader"
	"idempotency/grader/proxy"
)

func duplicateReservation() grader.Scenario {
	return grader.Scenario{
		ID:     "duplicate-reservation",
		Title:  "Duplicate reservations don't reduce stock twice",
		Points: 25,
		Needs:  needs(ex3.Restock, ex3.ReserveStock, ex3.GetStockLevel),
		Hint: "before reserving, look for a reservation stored under the same reservationId (restate.Get); if there is one, " +
			"return it unchanged, even when the request asks for another quantity, and leave the stock alone",
		Run: runDuplicateReservation,
	}
}

func runDuplicateReservation(ctx context.Context, env *grader.Env) error {
	stock := between(env.Rand, 40, 60)
	key, err := stockUp(ctx, env, stock)
	if err != nil {
		return err
	}
	want := level{available: stock}

	// The same reservation three times: same body twice, then another quantity.
	req := reservationRequest(key, newReservationID(env.Rand), between(env.Rand, 2, 8))
	first, want, err := reserveNew(ctx, env, key, req, want, "")
	if err != nil {
		return err
	}
	sent := fmt.Sprintf("the same ReserveStock %s {reservationId:%q quantity:%d} a second time", key, req.ReservationID, req.Quantity)
	env.Step("%s", sent)
	again, err := reserve(ctx, env, key, req)
	if err != nil {
		return env.Unexpected(sent, "the first reservation again: "+describeReservation(first), err)
	}
	if d := diffReservation(first, again); d != "" {
		return failOnce(grader.Fail(sent, "the first reservation, unchanged: "+describeReservation(first),
			"%s: %s%s", describeReservation(again), d, stockNote(ctx, env, key, want)), req.ReservationID, 2)
	}
	if err := expectStock(ctx, env, key, want, sent); err != nil {
		return failOnce(err, req.ReservationID, 2)
	}

	other := req
	other.Quantity = otherQuantity(env.Rand, req.Quantity, 8)
	sent = fmt.Sprintf("ReserveStock %s with the same reservationId %q but quantity %d instead of %d", key, req.ReservationID, other.Quantity, req.Quantity)
	env.Step("%s", sent)
	changed, err := reserve(ctx, env, key, other)
	switch {
	case grader.IsHarness(err):
		return err
	case grader.Code(err) == 409:
		// Refusing a conflicting reuse of the ID is fine: only the stock must not move.
	case err != nil:
		return env.Unexpected(sent, "the first reservation unchanged (or a terminal 409)", err)
	default:
		if d := diffReservation(first, changed); d != "" {
			return failOnce(grader.Fail(sent, "the first reservation, unchanged (or a terminal 409): "+describeReservation(first),
				"%s: %s%s", describeReservation(changed), d, stockNote(ctx, env, key, want)), req.ReservationID, 3)
		}
	}
	if err := expectStock(ctx, env, key, want, sent); err != nil {
		return failOnce(err, req.ReservationID, 3)
	}

	// A reservation whose first attempt crashed just before it completed: Restate
	// retries it, and the retry must not reserve a second time.
	req2 := reservationRequest(key, newReservationID(env.Rand), between(env.Rand, 2, 8))
	pt := proxy.Target{Service: ex3.ServiceName, Handler: ex3.ReserveStock, Key: key}
	env.Proxy.Arm(pt, proxy.CrashBeforeCompletion, 1)
	defer env.Proxy.Disarm(pt)
	crashed, want, err := reserveNew(ctx, env, key, req2, want, " (the first attempt crashed just before it completed; Restate retried it)")
	if err != nil {
		return err
	}
	if fired := env.Proxy.Fired(pt); fired != 1 {
		return fmt.Errorf("the crash before completion of ReserveStock %s fired %d times, want 1", key, fired)
	}
	sent = fmt.Sprintf("ReserveStock %s {reservationId:%q quantity:%d} again after the retried one", key, req2.ReservationID, req2.Quantity)
	env.Step("%s", sent)
	again, err = reserve(ctx, env, key, req2)
	if err != nil {
		return env.Unexpected(sent, "the same reservation: "+describeReservation(crashed), err)
	}
	if d := diffReservation(crashed, again); d != "" {
		return failOnce(grader.Fail(sent, "the same reservation: "+describeReservation(crashed),
			"%s: %s%s", describeReservation(again), d, stockNote(ctx, env, key, want)), req2.ReservationID, 2)
	}
	if err := expectStock(ctx, env, key, want, sent); err != nil {
		return failOnce(err, req2.ReservationID, 2)
	}
	return nil
}

// reserveNew makes a new reservation that fits the stock, checks the answer and the
// stock level, and returns the reservation and the level after it. note is added to
// what the evidence says was sent.
func reserveNew(ctx context.Context, env *grader.Env, key string, req ex3.ReservationRequest, before level, note string) (ex3.Reservation, level, error) {
	sent := fmt.Sprintf("ReserveStock %s {reservationId:%q quantity:%d}%s with %s", key, req.ReservationID, req.Quantity, note, before)
	env.Step("ReserveStock %s %s (quantity %d)%s", key, req.ReservationID, req.Quantity, note)
	got, err := reserve(ctx, env, key, req)
	if err != nil {
		return got, before, env.Unexpected(sent, "an active reservation of "+fmt.Sprint(req.Quantity)+" units", err)
	}
	if d := checkNew(key, req, got); d != "" {
		return got, before, grader.Fail(sent, "an active reservation of the requested quantity, keyed by the reservation ID",
			"%s: %s", describeReservation(got), d)
	}
	after := before.reserve(req.Quantity)
	return got, after, expectStock(ctx, env, key, after, sent)
}

// failOnce adds to a stock mismatch after a duplicate the hint that names the cause.
func failOnce(err error, id string, calls int) error {
	var f *grader.Failure
	if errors.As(err, &f) {
		return f.WithHint(fmt.Sprintf("%d ReserveStock calls with reservationId %s must reserve its units once: "+
			"return the stored reservation when the ID is already known, before any stock is touched", calls, id))
	}
	return err
}
