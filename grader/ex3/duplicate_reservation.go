package ex3

import (
	"context"
	"fmt"

	"idempotency/contract/ex3"
	"idempotency/grader"
	"idempotency/grader/internal/proxy"
)

func duplicateReservation() grader.Scenario {
	return grader.Scenario{
		ID:     "duplicate-reservation",
		Title:  "Duplicate reservations don't reduce stock twice",
		Points: 25,
		Needs:  needs(ex3.Restock, ex3.ReserveStock, ex3.GetStockLevel),
		Hint: "before reserving, look for a reservation stored under the same reservationId (restate.Get); if there is one, " +
			"whatever its status and whatever the request asks for, return it unchanged and leave the stock alone",
		Timeout: readBackTimeout,
		Run:     runDuplicateReservation,
	}
}

// runDuplicateReservation makes four reservations and repeats each of them, older ones
// after newer ones were made, so that a service that remembers only its latest
// reservation shows; one is repeated once the stock left is smaller than its quantity,
// and all of them again after a restart of the service. (A late duplicate of a released
// reservation is release-restores' business: this criterion calls no release.)
func runDuplicateReservation(ctx context.Context, env *grader.Env) error {
	qs := distinctQuantities(env.Rand, 4, 3, 9)
	left := between(env.Rand, 1, 2) // less than any reservation's quantity
	stock := qs[0] + qs[1] + qs[2] + qs[3] + left
	key, err := stockUp(ctx, env, stock)
	if err != nil {
		return err
	}
	want := level{available: stock}
	reqs := make([]ex3.ReservationRequest, len(qs))
	rs := make([]ex3.Reservation, len(qs))
	for i, q := range qs {
		reqs[i] = reservationRequest(key, newReservationID(env.Rand), q)
	}
	for i := range 3 {
		if rs[i], want, err = reserveNew(ctx, env, key, reqs[i], want, ""); err != nil {
			return err
		}
	}
	d := dups{env: env, key: key}
	if err := d.check(ctx, reqs[0], rs[0], want, "the oldest of three reservations, repeated after the other two were made"); err != nil {
		return err
	}
	other := reqs[1]
	other.Quantity = between(env.Rand, 1, reqs[1].Quantity-1)
	if err := d.check(ctx, other, rs[1], want, "the second reservation, repeated with a smaller quantity"); err != nil {
		return err
	}

	// A reservation whose first attempt crashed just before it completed: Restate
	// retries it, and the retry must not reserve a second time.
	crash := env.ArmCrash(target(key, ex3.ReserveStock), proxy.CrashBeforeCompletion, 1)
	rs[3], want, err = reserveNew(ctx, env, key, reqs[3], want, " (the first attempt crashed just before it completed; Restate retried it)")
	crash.Disarm()
	if err != nil {
		return err
	}
	if err := crash.Check(); err != nil {
		return err
	}
	if err := d.check(ctx, reqs[3], rs[3], want, "the reservation whose first attempt crashed, repeated"); err != nil {
		return err
	}
	if err := d.check(ctx, reqs[0], rs[0], want, fmt.Sprintf("the oldest reservation again, now that only %d units are left, fewer than its %d", want.available, reqs[0].Quantity)); err != nil {
		return withHint(err, "a duplicate must find the stored reservation before anything else is checked: look the reservationId up "+
			"first, and compare the quantity with availableStock only for a reservationId you have never seen")
	}
	other = reqs[2]
	other.Quantity = reqs[2].Quantity + between(env.Rand, 1, 3)
	if err := d.check(ctx, other, rs[2], want, "the third reservation, repeated with a larger quantity"); err != nil {
		return err
	}

	final := want
	env.AfterRestart("every reservation above, each repeated once more", func(ctx context.Context) error {
		for i := range reqs {
			if err := d.check(ctx, reqs[i], rs[i], final, "repeated after your service process was restarted"); err != nil {
				return withHint(err, restartHint)
			}
		}
		return nil
	})
	return nil
}

// dups checks duplicate reservations on one product.
type dups struct {
	env *grader.Env
	key string
}

// check sends req, whose reservationId is stored as stored, and checks that the answer
// is the stored reservation (or, for another quantity, a terminal 409) and that the
// stock is still want. what says which duplicate it is.
func (d dups) check(ctx context.Context, req ex3.ReservationRequest, stored ex3.Reservation, want level, what string) error {
	sent := fmt.Sprintf("ReserveStock %s {reservationId:%q quantity:%d}: %s", d.key, req.ReservationID, req.Quantity, what)
	expected := "the stored reservation, unchanged: " + describeReservation(stored)
	otherQty := req.Quantity != stored.Quantity
	if otherQty {
		expected += " (or a terminal 409)"
	}
	expected += ", and no stock change"
	d.env.Step("ReserveStock %s %s (quantity %d): %s", d.key, req.ReservationID, req.Quantity, what)
	got, err := reserve(ctx, d.env, d.key, req)
	switch {
	case grader.IsHarness(err):
		return err
	case err != nil && otherQty && grader.Code(err) == 409:
		// Refusing a conflicting reuse of the ID is fine: only the stock must not move.
	case err != nil:
		f := d.env.Unexpected(sent, expected, err)
		if grader.Code(err) == 409 {
			return withHint(f, fmt.Sprintf("%s is already stored: a duplicate returns the stored reservation, it is not a new request "+
				"for stock. Look the reservationId up before checking availableStock", req.ReservationID))
		}
		return f
	default:
		if diff := diffReservation(stored, got); diff != "" {
			return grader.Fail(sent, expected, "%s: %s%s", describeReservation(got), diff, stockNote(ctx, d.env, d.key, want)).
				WithHint(fmt.Sprintf("ReserveStock %s made another reservation instead of returning the stored one: keep every "+
					"reservation in Restate state under its own reservationId (not only the latest one) and return it, "+
					"unchanged, for a reservationId seen before", req.ReservationID))
		}
	}
	if err := expectStock(ctx, d.env, d.key, want, sent); err != nil {
		return withHint(err, fmt.Sprintf("the stock moved again for %s, a reservationId already stored: return the stored "+
			"reservation before any stock is touched", req.ReservationID))
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
	return got, after, withChanged(ctx, env, key, expectStock(ctx, env, key, after, sent), got)
}
