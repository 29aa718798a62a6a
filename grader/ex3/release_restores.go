package ex3

import (
	"context"
	"fmt"

	"idempotency/contract/ex3"
	"idempotency/grader"
	"idempotency/grader/internal/proxy"
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
		Timeout: readBackTimeout,
		Run:     runReleaseRestores,
	}
}

// runReleaseRestores reserves four times and releases three of them, the oldest first,
// so that a service that remembers only its latest reservation shows; the first stays
// active all along, so a release that resets the stock instead of giving back its own
// units shows too. A late duplicate of a released reservation must find it released.
// Everything is read back after a restart of the service.
func runReleaseRestores(ctx context.Context, env *grader.Env) error {
	qs := distinctQuantities(env.Rand, 4, 2, 9)
	stock := qs[0] + qs[1] + qs[2] + qs[3] + between(env.Rand, 5, 15)
	key, err := stockUp(ctx, env, stock)
	if err != nil {
		return err
	}
	want := level{available: stock}
	rs := make([]ex3.Reservation, len(qs))
	for i, q := range qs {
		if rs[i], want, err = reserveNew(ctx, env, key, reservationRequest(key, newReservationID(env.Rand), q), want, ""); err != nil {
			return err
		}
	}
	keeper := rs[0]

	olderHint := fmt.Sprintf("%s was reserved before two others and is still active: keep every reservation stored under its "+
		"own reservationId (not one slot for the latest), and give back that reservation's own quantity", rs[1].ReservationID)
	if want, err = releaseOnce(ctx, env, key, rs[1], want, " (older than two other active reservations)", olderHint); err != nil {
		return err
	}
	rs[1] = withStatus(rs[1], ex3.StatusReleased)
	// The released record is kept: a late duplicate of its ReserveStock finds it.
	d := dups{env: env, key: key}
	if err := d.check(ctx, reservationRequest(key, rs[1].ReservationID, rs[1].Quantity), rs[1], want, "a late duplicate of the reservation released just before"); err != nil {
		return withHint(err, fmt.Sprintf("%s was released, and a late duplicate of it must not reserve again: keep the released "+
			"reservation stored with its status, and return the stored reservation for a known reservationId whatever its status", rs[1].ReservationID))
	}

	// The newest, released while the first attempt crashes just before it completes.
	crash := env.ArmCrash(target(key, ex3.ReleaseReservation), proxy.CrashBeforeCompletion, 1)
	want, err = releaseOnce(ctx, env, key, rs[3], want, " (the first attempt crashed just before it completed; Restate retried it)",
		"Restate retried the release after a crash: it must give the units back once, so decide from the stored status "+
			"(an active reservation is released, any other is returned as it is), never from anything kept outside Restate state")
	crash.Disarm()
	if err != nil {
		return err
	}
	if err := crash.Check(); err != nil {
		return err
	}
	rs[3] = withStatus(rs[3], ex3.StatusReleased)

	if want, err = releaseOnce(ctx, env, key, rs[2], want, "", ""); err != nil {
		return err
	}
	rs[2] = withStatus(rs[2], ex3.StatusReleased)
	if err := releaseAgain(ctx, env, key, rs[1], want, "a third time, after two other reservations were released"); err != nil {
		return err
	}
	env.Step("GetReservation %s %s (reserved first, never released)", key, keeper.ReservationID)
	if err := expectReservation(ctx, env, key, keeper, "three other reservations released"); err != nil {
		return withHint(err, "a release changes only the reservation it names")
	}

	unknown := newReservationID(env.Rand)
	if err := releaseUnknown(ctx, env, key, unknown, want, "a reservationId never used"); err != nil {
		return err
	}
	gone := []string{unknown}
	refused, oversold, err := releaseRefused(ctx, env, key, want)
	switch {
	case err != nil:
		return err
	case oversold != nil:
		rs = append(rs, *oversold)
		want = want.reserve(oversold.Quantity)
	default:
		gone = append(gone, refused)
	}

	final := want
	env.AfterRestart("every reservation above and the stock, then a fourth release of the oldest released one", func(ctx context.Context) error {
		after := "after your service process was restarted"
		if err := checkStored(ctx, env, key, final, rs, gone, after); err != nil {
			return withHint(err, restartHint)
		}
		return withHint(releaseAgain(ctx, env, key, rs[1], final, "once more, "+after), restartHint)
	})
	return nil
}

// releaseOnce releases an active reservation, checks the answer and the stock, then
// releases it again and checks that nothing more changed. hint, when set, is the hint
// of a failure of the first release.
func releaseOnce(ctx context.Context, env *grader.Env, key string, r ex3.Reservation, before level, note, hint string) (level, error) {
	if hint == "" {
		hint = "releasing an active reservation sets its status to \"released\" and gives back its own quantity, once, and keeps the record"
	}
	released := withStatus(r, ex3.StatusReleased)
	after := before.free(r.Quantity)
	sent := fmt.Sprintf("ReleaseReservation %s {reservationId:%q}%s, an active reservation of %d units, with %s", key, r.ReservationID, note, r.Quantity, before)
	env.Step("ReleaseReservation %s %s%s", key, r.ReservationID, note)
	got, err := release(ctx, env, key, r.ReservationID)
	if err != nil {
		return before, withHint(env.Unexpected(sent, "the released reservation: "+describeReservation(released), err), hint)
	}
	if d := diffReservation(released, got); d != "" {
		return before, grader.Fail(sent, "the reservation with status \"released\" and nothing else changed: "+describeReservation(released),
			"%s: %s", describeReservation(got), d).WithHint(hint)
	}
	if err := expectStock(ctx, env, key, after, sent); err != nil {
		return before, withHint(err, hint)
	}
	if err := expectReservation(ctx, env, key, released, sent); err != nil {
		return before, withHint(err, hint)
	}

	if err := releaseAgain(ctx, env, key, released, after, "a second time"); err != nil {
		return before, err
	}
	return after, nil
}

// releaseAgain releases a reservation that is released already: the same answer, no
// stock change.
func releaseAgain(ctx context.Context, env *grader.Env, key string, released ex3.Reservation, want level, what string) error {
	sent := fmt.Sprintf("ReleaseReservation %s {reservationId:%q} %s (already released)", key, released.ReservationID, what)
	env.Step("%s", sent)
	again, err := release(ctx, env, key, released.ReservationID)
	if err != nil {
		return withHint(env.Unexpected(sent, "success, with the same released reservation: "+describeReservation(released), err),
			"releasing a reservation that is released already is not an error: return the stored reservation as it is")
	}
	if d := diffReservation(released, again); d != "" {
		return grader.Fail(sent, "the same released reservation: "+describeReservation(released), "%s: %s", describeReservation(again), d)
	}
	if err := expectStock(ctx, env, key, want, sent); err != nil {
		return withHint(err, fmt.Sprintf("releasing %s again gave its %d units back a second time: check the stored status first and "+
			"return a reservation that is no longer active without touching the stock", released.ReservationID, released.Quantity))
	}
	return nil
}

// releaseUnknown releases an ID the product has no reservation for: 404, no stock
// change, and no reservation appears.
func releaseUnknown(ctx context.Context, env *grader.Env, key, id string, want level, what string) error {
	sent := fmt.Sprintf("ReleaseReservation %s {reservationId:%q} (%s)", key, id, what)
	env.Step("%s", sent)
	got, err := release(ctx, env, key, id)
	if grader.Code(err) != 404 {
		return withHint(unexpectedCode(env, sent, "a terminal 404, and no change", shownReservation(got), err),
			"releasing a reservation that does not exist answers a terminal 404 (restate.ToTerminalError(err, restate.WithErrorCode(404))) and changes nothing")
	}
	if err := expectStock(ctx, env, key, want, sent); err != nil {
		return withHint(err, "releasing a reservation that does not exist must change nothing: answer 404 before touching the stock")
	}
	env.Step("GetReservation %s %s", key, id)
	stored, err := getReservation(ctx, env, key, id)
	if grader.Code(err) != 404 {
		return withHint(unexpectedCode(env, sent+", then GetReservation", "404: there is no such reservation", shownReservation(stored), err),
			"a release of an unknown reservationId must not store anything: GetReservation must still answer 404")
	}
	return nil
}

// releaseRefused asks for one unit more than is available (409), then releases that ID:
// a refused reservation does not exist, so the release is a 404 that changes nothing.
// It returns the refused ID, or, when the reservation was not refused (overselling is
// the other criteria's business), the reservation made instead.
func releaseRefused(ctx context.Context, env *grader.Env, key string, want level) (string, *ex3.Reservation, error) {
	req := reservationRequest(key, newReservationID(env.Rand), want.available+1)
	sent := fmt.Sprintf("ReserveStock %s {reservationId:%q quantity:%d} with %s", key, req.ReservationID, req.Quantity, want)
	env.Step("%s (one unit more than available)", sent)
	got, err := reserve(ctx, env, key, req)
	switch {
	case grader.IsHarness(err):
		return "", nil, err
	case err == nil:
		env.Step("ReserveStock did not refuse %d units with %s: the release of a refused reservation was not checked", req.Quantity, want)
		return "", &got, nil
	case grader.Code(err) != 409:
		return "", nil, unexpectedCode(env, sent, "a terminal 409 (insufficient stock)", shownReservation(got), err)
	}
	if err := releaseUnknown(ctx, env, key, req.ReservationID, want, "its ReserveStock was refused with 409"); err != nil {
		return "", nil, withHint(err, "a reservation refused with 409 must leave nothing behind: a terminal error does not undo state you "+
			"already wrote, so check the stock before you restate.Set the reservation; releasing it must then answer 404")
	}
	return req.ReservationID, nil, nil
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
