package ex6

import (
	"fmt"
	"strings"

	"idempotency/contract/ex6"
)

// diffResults lists the fields in which got differs from want ("" when none).
func diffResults(want, got ex6.OrderResult) string {
	var d []string
	field := func(name, w, g string) {
		if w != g {
			d = append(d, fmt.Sprintf("%s %q != %q", name, g, w))
		}
	}
	field("orderId", want.OrderID, got.OrderID)
	field("status", want.Status, got.Status)
	field("reservationId", want.ReservationID, got.ReservationID)
	field("chargeId", want.ChargeID, got.ChargeID)
	field("labelId", want.LabelID, got.LabelID)
	field("failureReason", want.FailureReason, got.FailureReason)
	return strings.Join(d, ", ")
}
