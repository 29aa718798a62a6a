package ex3

import (
	"context"
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
	var d []string
	if got.AvailableStock != want.available {
		d = append(d, fmt.Sprintf("availableStock %d, expected %d", got.AvailableStock, want.available))
	}
	if got.ReservedStock != want.reserved {
		d = append(d, fmt.Sprintf("reservedStock %d, expected %d", got.ReservedStock, want.reserved))
	}
	if got.TotalStock != got.AvailableStock+got.ReservedStock {
		d = append(d, fmt.Sprintf("totalStock %d is not availableStock + reservedStock (%d)", got.TotalStock, got.AvailableStock+got.ReservedStock))
	} else if got.TotalStock != want.available+want.reserved {
		d = append(d, fmt.Sprintf("totalStock %d, expected %d", got.TotalStock, want.available+want.reserved))
	}
	return strings.Join(d, "; ")
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
	var d []string
	if got.ReservationID != want.ReservationID {
		d = append(d, fmt.Sprintf("reservationId %q, expected %q", got.ReservationID, want.ReservationID))
	}
	if got.ProductID != want.ProductID {
		d = append(d, fmt.Sprintf("productId %q, expected %q", got.ProductID, want.ProductID))
	}
	if got.Quantity != want.Quantity {
		d = append(d, fmt.Sprintf("quantity %d, expected %d", got.Quantity, want.Quantity))
	}
	if got.Status != want.Status {
		d = append(d, fmt.Sprintf("status %q, expected %q", got.Status, want.Status))
	}
	if !got.CreatedAt.Equal(want.CreatedAt) {
		d = append(d, fmt.Sprintf("createdAt %s, expected %s", got.CreatedAt.Format("15:04:05.000000"), want.CreatedAt.Format("15:04:05.000000")))
	}
	return strings.Join(d, "; ")
}

// checkNew compares a fresh reservation with the request that made it.
func checkNew(key string, req ex3.ReservationRequest, got ex3.Reservation) string {
	var d []string
	if got.ReservationID != req.ReservationID {
		d = append(d, fmt.Sprintf("reservationId %q, expected %q", got.ReservationID, req.ReservationID))
	}
	if got.ProductID != key {
		d = append(d, fmt.Sprintf("productId %q, expected the object key %q", got.ProductID, key))
	}
	if got.Quantity != req.Quantity {
		d = append(d, fmt.Sprintf("quantity %d, expected %d", got.Quantity, req.Quantity))
	}
	if got.Status != ex3.StatusActive {
		d = append(d, fmt.Sprintf("status %q, expected %q", got.Status, ex3.StatusActive))
	}
	return strings.Join(d, "; ")
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
