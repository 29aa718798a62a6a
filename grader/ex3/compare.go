package ex3

import (
	"context"
	"errors"
	"fmt"
	"strings"

	"idempotency/contract/ex3"
	"idempotency/grader"
)

// level is what the grader expects a product's stock to be.
type level struct{ available, reserved int }

func (l level) String() string {
	return fmt.Sprintf("availableStock %d, reservedStock %d, totalStock %d", l.available, l.reserved, l.available+l.reserved)
}

// reserve and free move units the way a reservation and its release do.
func (l level) reserve(q int) level { return level{l.available - q, l.reserved + q} }
func (l level) free(q int) level    { return level{l.available + q, l.reserved - q} }

// diffStock lists how got differs from want, and whether its total adds up ("" when it matches).
func diffStock(want level, got ex3.StockLevel) string {
	d := stockDiff(want, got)
	return d.String()
}

// stockDiff is diffStock's list, for a caller that checks more fields.
func stockDiff(want level, got ex3.StockLevel) *grader.Diff {
	var d grader.Diff
	d.Int("availableStock", want.available, got.AvailableStock)
	d.Int("reservedStock", want.reserved, got.ReservedStock)
	if got.TotalStock != got.AvailableStock+got.ReservedStock {
		d.Note("totalStock %d is not availableStock + reservedStock (%d)", got.TotalStock, got.AvailableStock+got.ReservedStock)
	} else {
		d.Int("totalStock", want.available+want.reserved, got.TotalStock)
	}
	return &d
}

// expectStock reads GetStockLevel and compares it with want; after says what came before.
func expectStock(ctx context.Context, env *grader.Env, key string, want level, after string) error {
	sent := after + ", then GetStockLevel " + key
	got, err := getStock(ctx, env, key)
	if err != nil {
		return env.Unexpected(sent, want.String(), err)
	}
	if d := diffStock(want, got); d != "" {
		return grader.Fail(sent, want.String(), "%s: %s", describeStock(got), d)
	}
	return nil
}

// diffReservation lists the fields in which got differs from want ("" when none).
func diffReservation(want, got ex3.Reservation) string {
	var d grader.Diff
	d.Str("reservationId", want.ReservationID, got.ReservationID)
	d.Str("productId", want.ProductID, got.ProductID)
	d.Int("quantity", want.Quantity, got.Quantity)
	d.Str("status", want.Status, got.Status)
	d.Time("createdAt", want.CreatedAt, got.CreatedAt)
	return d.String()
}

// checkNew compares a fresh reservation with the request that made it ("" when it fits).
func checkNew(key string, req ex3.ReservationRequest, got ex3.Reservation) string {
	var d grader.Diff
	d.Str("reservationId", req.ReservationID, got.ReservationID)
	if got.ProductID != key {
		d.Note("productId %q, expected the object key %q", got.ProductID, key)
	}
	d.Int("quantity", req.Quantity, got.Quantity)
	d.Str("status", ex3.StatusActive, got.Status)
	return d.String()
}

// withStatus is r as it should read after a release or an expiry.
func withStatus(r ex3.Reservation, status string) ex3.Reservation {
	r.Status = status
	return r
}

// stockNote reads the stock level for evidence of a wrong answer: whether the stock moved
// too is what a learner needs to see. It says nothing when the level cannot be read.
func stockNote(ctx context.Context, env *grader.Env, key string, want level) string {
	got, err := getStock(ctx, env, key)
	if err != nil {
		return ""
	}
	if d := diffStock(want, got); d != "" {
		return fmt.Sprintf("\nand GetStockLevel right after: %s: %s", describeStock(got), d)
	}
	return "\nGetStockLevel right after is as expected: " + want.String()
}

// withChanged adds to a Failure about the stock what GetReservation now says of the
// reservations rs that are no longer as they were answered: one that expired or
// vanished on its own is the likeliest cause of a stock that does not add up, and the
// hint then names it. Anything else passes through.
func withChanged(ctx context.Context, env *grader.Env, key string, err error, rs ...ex3.Reservation) error {
	var f *grader.Failure
	if !errors.As(err, &f) {
		return err
	}
	var changed []string
	var expired, gone bool
	for _, r := range rs {
		got, gerr := getReservation(ctx, env, key, r.ReservationID)
		switch {
		case grader.Code(gerr) == 404:
			changed = append(changed, r.ReservationID+": 404")
			gone = true
		case gerr != nil:
			continue
		case diffReservation(r, got) != "":
			changed = append(changed, fmt.Sprintf("%s: %s", r.ReservationID, diffReservation(r, got)))
			expired = expired || got.Status == ex3.StatusExpired
		}
	}
	if len(changed) == 0 {
		return err
	}
	f.Observed += "\nand GetReservation now says of reservations that should be as they were: " + strings.Join(changed, "; ")
	switch {
	case expired:
		f.Hint = "a reservation made without ttlMillis (or with 0) expired on its own: it must never expire; schedule an expiry only when ttlMillis > 0"
	case gone:
		f.Hint = "a stored reservation vanished: keep every reservation in Restate state under its own reservationId, for good"
	}
	return f
}
