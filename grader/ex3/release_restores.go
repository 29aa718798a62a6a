package ex3

import (
	"context"
	"errors"
	"fmt"

	"idempotency/contract/ex3"
	"idempotency/grader"
	"idempotency/grader/proxy"
)

func releaseRestores() grader.Scenario {
	return grader.Scenario{
		ID:     "release-restores",
		Title:  "Releasing reservation restores stock",
		Points: 25,
		Needs:  needs(ex3.Restock, ex3.ReserveStock, ex3.ReleaseReservation, ex3.GetStockLevel, ex3.GetReservation),
		Hint: "ReleaseReservation: an unknown reservationId (never reserved, or refused with 409) -> terminal 404 and no change; " +
			"a reservation that is not active -> return it as it is; an active one -> give its quantity back to availableStock once, " +
			"set status \"released\", and keep the record",
		Run: runReleaseRestores,
	}
}

func runReleaseRestores(ctx context.Context, env *grader.Env) error {
	stock := between(env.Rand, 30, 50)
	key, err := stockUp(ctx, env, stock)
	if err != nil {
		return err
	}
	want := level{available: stock}
	// One reservation stays active throughout, so a release that resets the stock
	// instead of giving back its own units shows.
	_, want, err = reserveNew(ctx, env, key, reservationRequest(key, newReservationID(env.Rand), between(env.Rand, 2, 6)), want, "")
	if err != nil {
		return err
	}

	r1, want, err := reserveNew(ctx, env, key, reservationRequest(key, newReservationID(env.Rand), between(env.Rand, 2, 8)), want, "")
	if err != nil {
		return err
	}
	if want, err = releaseOnce(ctx, env, key, r1, want, ""); err != nil {
		return err
	}

	// Released while the first attempt crashes just before it completes.
	r2, want, err := reserveNew(ctx, env, key, reservationRequest(key, newReservationID(env.Rand), between(env.Rand, 2, 8)), want, "")
	if err != nil {
		return err
	}
	pt := proxy.Target{Service: ex3.ServiceName, Handler: ex3.ReleaseReservation, Key: key}
	env.Proxy.Arm(pt, proxy.CrashBeforeCompletion, 1)
	defer env.Proxy.Disarm(pt)
	if want, err = releaseOnce(ctx, env, key, r2, want, " (the first attempt crashed just before it completed; Restate retried it)"); err != nil {
		return err
	}
	if fired := env.Proxy.Fired(pt); fired != 1 {
		return fmt.Errorf("the crash before completion of ReleaseReservation %s fired %d times, want 1", key, fired)
	}

	unknown := newReservationID(env.Rand)
	if err := releaseUnknown(ctx, env, key, unknown, want, "a reservationId never used"); err != nil {
		return err
	}
	return releaseRefused(ctx, env, key, want)
}

// releaseOnce releases an active reservation, checks the answer and the stock, then
// releases it again and checks that nothing more changed.
func releaseOnce(ctx context.Context, env *grader.Env, key string, r ex3.Reservation, before level, note string) (level, error) {
	released := withStatus(r, ex3.StatusReleased)
	after := before.free(r.Quantity)
	sent := fmt.Sprintf("ReleaseReservation %s {reservationId:%q}%s, an active reservation of %d units, with %s", key, r.ReservationID, note, r.Quantity, before)
	env.Step("ReleaseReservation %s %s%s", key, r.ReservationID, note)
	got, err := release(ctx, env, key, r.ReservationID)
	if err != nil {
		return before, env.Unexpected(sent, "the released reservation: "+describeReservation(released), err)
	}
	if d := diffReservation(released, got); d != "" {
		return before, grader.Fail(sent, "the reservation with status \"released\" and nothing else changed: "+describeReservation(released),
			"%s: %s", describeReservation(got), d)
	}
	if err := expectStock(ctx, env, key, after, sent); err != nil {
		return before, err
	}
	if err := expectReservation(ctx, env, key, released, sent); err != nil {
		return before, err
	}

	sent = fmt.Sprintf("ReleaseReservation %s {reservationId:%q} a second time (already released)", key, r.ReservationID)
	env.Step("%s", sent)
	again, err := release(ctx, env, key, r.ReservationID)
	if err != nil {
		return before, env.Unexpected(sent, "success, with the same released reservation", err)
	}
	if d := diffReservation(released, again); d != "" {
		return before, grader.Fail(sent, "the same released reservation: "+describeReservation(released), "%s: %s", describeReservation(again), d)
	}
	if err := expectStock(ctx, env, key, after, sent); err != nil {
		var f *grader.Failure
		if errors.As(err, &f) {
			f.WithHint(fmt.Sprintf("releasing %s again gave its %d units back a second time: check the stored status first and "+
				"return a reservation that is no longer active without touching the stock", r.ReservationID, r.Quantity))
		}
		return before, err
	}
	return after, nil
}

// releaseUnknown releases an ID the product has no reservation for: 404, no stock
// change, and no reservation appears.
func releaseUnknown(ctx context.Context, env *grader.Env, key, id string, want level, what string) error {
	sent := fmt.Sprintf("ReleaseReservation %s {reservationId:%q} (%s)", key, id, what)
	env.Step("%s", sent)
	got, err := release(ctx, env, key, id)
	if grader.Code(err) != 404 {
		return unexpectedCode(sent, "a terminal 404, and no change", shownReservation(got), err)
	}
	if err := expectStock(ctx, env, key, want, sent); err != nil {
		var f *grader.Failure
		if errors.As(err, &f) {
			f.WithHint("releasing a reservation that does not exist must change nothing: answer 404 before touching the stock")
		}
		return err
	}
	env.Step("GetReservation %s %s", key, id)
	stored, err := getReservation(ctx, env, key, id)
	if grader.Code(err) != 404 {
		return unexpectedCode(sent+", then GetReservation", "404: there is no such reservation", shownReservation(stored), err)
	}
	return nil
}

// releaseRefused asks for more than is available (409), then releases that ID: a
// refused reservation does not exist, so the release is a 404 that changes nothing.
func releaseRefused(ctx context.Context, env *grader.Env, key string, want level) error {
	req := reservationRequest(key, newReservationID(env.Rand), want.available+between(env.Rand, 1, 5))
	sent := fmt.Sprintf("ReserveStock %s {reservationId:%q quantity:%d} with %s", key, req.ReservationID, req.Quantity, want)
	env.Step("%s (more than available)", sent)
	got, err := reserve(ctx, env, key, req)
	switch {
	case grader.IsHarness(err):
		return err
	case err == nil:
		// Overselling is the other criteria's business; without a refusal there is no
		// refused ID to release here.
		env.Step("ReserveStock did not refuse %d units with %s: the release of a refused reservation was not checked", req.Quantity, want)
		return nil
	case grader.Code(err) != 409:
		return unexpectedCode(sent, "a terminal 409 (insufficient stock)", shownReservation(got), err)
	}
	if err := releaseUnknown(ctx, env, key, req.ReservationID, want, "its ReserveStock was refused with 409"); err != nil {
		var f *grader.Failure
		if errors.As(err, &f) {
			f.WithHint("a reservation refused with 409 must leave nothing behind: a terminal error does not undo state you " +
				"already wrote, so check the stock before you restate.Set the reservation; releasing it must then answer 404")
		}
		return err
	}
	return nil
}

// expectReservation checks that GetReservation returns want.
func expectReservation(ctx context.Context, env *grader.Env, key string, want ex3.Reservation, after string) error {
	sent := after + ", then GetReservation " + want.ReservationID
	got, err := getReservation(ctx, env, key, want.ReservationID)
	if err != nil {
		return env.Unexpected(sent, describeReservation(want), err)
	}
	if d := diffReservation(want, got); d != "" {
		return grader.Fail(sent, describeReservation(want), "%s: %s", describeReservation(got), d)
	}
	return nil
}
