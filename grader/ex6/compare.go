package ex6

import (
	"idempotency/contract/ex6"
	"idempotency/grader"
)

// diffResults lists the fields in which got differs from want ("" when none).
func diffResults(want, got ex6.OrderResult) string {
	var d grader.Diff
	d.Str("orderId", want.OrderID, got.OrderID)
	d.Str("status", want.Status, got.Status)
	d.Str("reservationId", want.ReservationID, got.ReservationID)
	d.Str("chargeId", want.ChargeID, got.ChargeID)
	d.Str("labelId", want.LabelID, got.LabelID)
	d.Str("failureReason", want.FailureReason, got.FailureReason)
	return d.String()
}
