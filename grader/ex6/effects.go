package ex6

import (
	"fmt"
	"slices"
	"strings"

	"idempotency/contract/ex6"
	"idempotency/fixtures/world"
	"idempotency/grader"
)

// effects are the calls the outside world saw for one order, by kind. Each list holds
// the calls that had a real effect (Delivered), in order of arrival.
type effects struct {
	reserved      world.Calls // warehouse: stock.reserved, reference = order ID
	released      world.Calls // warehouse: stock.released of one of the order's reservations
	charges       world.Calls // payment.charge for the order's customer
	refunds       world.Calls // payment.refund of one of those charges
	labels        world.Calls // shipping.create for the order
	cancels       world.Calls // shipping.cancel of one of those labels
	confirmations world.Calls // notify order.confirmed, reference = order ID
	failures      world.Calls // notify order.failed, reference = order ID
}

// observe reads the ledger for o. Charges are matched by customer: every scenario
// gives an order a customer of its own, except noDuplicates, which counts per customer.
func observe(env *grader.Env, o order) effects {
	led := env.World.Ledger()
	var e effects
	reservedAll := led.Where(warehouse(ex6.EventStockReserved), world.Arg(world.ArgReference, o.ID))
	e.reserved = reservedAll.Delivered()
	e.released = led.Where(warehouse(ex6.EventStockReleased), argIn(world.ArgReference, reservedAll.Results())).Delivered()
	chargesAll := led.Where(world.Gateway(world.Charge), world.Arg(world.ArgCustomerID, o.Req.CustomerID))
	e.charges = chargesAll.Delivered()
	e.refunds = led.Where(world.Gateway(world.Refund), argIn(world.ArgChargeID, chargesAll.Results())).Delivered()
	labelsAll := led.Where(world.Gateway(world.CreateLabel), world.Arg(world.ArgOrderID, o.ID))
	e.labels = labelsAll.Delivered()
	e.cancels = led.Where(world.Gateway(world.CancelLabel), argIn(world.ArgLabelID, labelsAll.Results())).Delivered()
	e.confirmations = led.Where(customerNotice(o, ex6.EventOrderConfirmed)...).Delivered()
	e.failures = led.Where(customerNotice(o, ex6.EventOrderFailed)...).Delivered()
	return e
}

func warehouse(event string) world.Matcher {
	return func(c world.Call) bool {
		return c.Gateway == world.Notify && c.Arg(world.ArgCustomerID) == ex6.Warehouse && c.Arg(world.ArgEvent) == event
	}
}

func customerNotice(o order, event string) []world.Matcher {
	return []world.Matcher{world.Gateway(world.Notify), world.Arg(world.ArgEvent, event), world.Arg(world.ArgReference, o.ID)}
}

func argIn(name string, values []string) world.Matcher {
	return func(c world.Call) bool {
		v := c.Arg(name)
		return v != "" && slices.Contains(values, v)
	}
}

// want is how many of each effect an order that fails at step k (0: completes) has.
type want struct{ reserved, released, charges, refunds, labels, cancels, confirmations, failures int }

func wantFor(k int) want {
	b := func(ok bool) int {
		if ok {
			return 1
		}
		return 0
	}
	done := func(step int) bool { return k == stepNone || k > step } // step completed
	return want{
		reserved:      b(done(stepReserve)),
		charges:       b(done(stepPayment)),
		labels:        b(done(stepLabel)),
		confirmations: b(k == stepNone),
		released:      b(k != stepNone && done(stepReserve)),
		refunds:       b(k != stepNone && done(stepPayment)),
		cancels:       b(k != stepNone && done(stepLabel)),
		failures:      b(k != stepNone),
	}
}

// problem is one way the effects of an order differ from what they must be.
type problem struct {
	text string
	hint string
}

// Strictness of check: whether a missing compensation is a problem. Only the
// compensation criteria demand every compensation; the others judge that nothing
// happens twice, so that one missing compensation costs one criterion.
const (
	lenient = false
	strict  = true
)

// check compares the effects of o with what its outcome demands, and the result with
// the ledger. It returns the problems found, most telling first.
func check(o order, e effects, res ex6.OrderResult, strictness bool) []problem {
	w := wantFor(o.FailAt)
	var ps []problem
	compensations := map[string]bool{}
	count := func(what string, got world.Calls, n int, tooMany, tooFew string) {
		switch {
		case len(got) < n && !strictness && compensations[what]:
			// a missing compensation is the compensation criterion's to judge
		case len(got) > n:
			ps = append(ps, problem{fmt.Sprintf("%s %d times for order %s (expected %d):\n%s", what, len(got), o.ID, n, indent(got.String())), tooMany})
		case len(got) < n:
			ps = append(ps, problem{fmt.Sprintf("%s %d times for order %s (expected %d)", what, len(got), o.ID, n), tooFew})
		}
	}
	count("the warehouse saw stock reserved", e.reserved, w.reserved,
		"each ReserveStock invocation reserves again: call InventoryService.ReserveStock once per order, with an idempotency key made from the order ID",
		"reserve the order's stock first: InventoryService.ReserveStock")
	count("the payment gateway charged customer "+o.Req.CustomerID, e.charges, w.charges,
		"a second charge means PaymentService.CreatePayment ran again for the same order: call it with restate.WithIdempotencyKey(orderID+\"-payment\") and return the stored result on a repeated ProcessOrder",
		"charge the customer after reserving stock: PaymentService.CreatePayment")
	count("the shipping gateway bought a label", e.labels, w.labels,
		"call ShippingService.CreateLabel once per order, with an idempotency key made from the order ID",
		"buy the label after the payment: ShippingService.CreateLabel")
	count("the customer was sent the order confirmation", e.confirmations, w.confirmations,
		"the confirmation goes out once: NotificationService.SendNotification with an idempotency key, and never from outside restate.Run",
		fmt.Sprintf("a completed order ends with NotificationService.SendNotification(customerId, %q, orderId)", ex6.EventOrderConfirmed))
	for _, what := range []string{"the warehouse saw the reservation released", "the payment gateway refunded",
		"the shipping gateway cancelled a label", "the customer was sent the failure notice"} {
		compensations[what] = true
	}
	count("the warehouse saw the reservation released", e.released, w.released,
		"release the reservation once: one ReleaseReservation call with an idempotency key, and a compensation registered once",
		"when a later step fails, release the reservation: InventoryService.ReleaseReservation(reservation.ID)")
	count("the payment gateway refunded", e.refunds, w.refunds,
		"refund once: one RefundPayment call with an idempotency key",
		"when a step after the payment fails, refund the charge: PaymentService.RefundPayment")
	count("the shipping gateway cancelled a label", e.cancels, w.cancels,
		"cancel the label once: one CancelLabel call with an idempotency key",
		"when a step after the label fails, cancel the label: ShippingService.CancelLabel(label.ID)")
	count("the customer was sent the failure notice", e.failures, w.failures,
		"send the failure notice once, with an idempotency key",
		fmt.Sprintf("a failed order tells the customer: NotificationService.SendNotification(customerId, %q, orderId)", ex6.EventOrderFailed))
	if len(e.refunds) == 1 && len(e.charges) == 1 && e.refunds[0].Amount() != e.charges[0].Amount() {
		ps = append(ps, problem{fmt.Sprintf("the refund was %d cents, the charge %d", e.refunds[0].Amount(), e.charges[0].Amount()),
			"refund the whole charge: RefundRequest{ChargeID: charge.ID, Amount: charge.Amount}"})
	}
	ps = append(ps, checkResult(o, e, res)...)
	return ps
}

// checkResult compares ProcessOrder's answer with the order's outcome and the ledger.
func checkResult(o order, e effects, res ex6.OrderResult) []problem {
	var d []string
	if res.OrderID != o.ID {
		d = append(d, fmt.Sprintf("orderId is %q, expected the object key %q", res.OrderID, o.ID))
	}
	if o.FailAt == stepNone {
		if res.Status != ex6.StatusCompleted {
			d = append(d, fmt.Sprintf("status is %q, expected %q", res.Status, ex6.StatusCompleted))
		}
		if len(e.reserved) == 1 && res.ReservationID != e.reserved[0].Result {
			d = append(d, fmt.Sprintf("reservationId is %q, the reservation was %q", res.ReservationID, e.reserved[0].Result))
		}
		if len(e.charges) == 1 && res.ChargeID != e.charges[0].Result {
			d = append(d, fmt.Sprintf("chargeId is %q, the charge was %q", res.ChargeID, e.charges[0].Result))
		}
		if len(e.labels) == 1 && res.LabelID != e.labels[0].Result {
			d = append(d, fmt.Sprintf("labelId is %q, the label was %q", res.LabelID, e.labels[0].Result))
		}
	} else {
		if res.Status != ex6.StatusFailed {
			d = append(d, fmt.Sprintf("status is %q, expected %q (step %q failed)", res.Status, ex6.StatusFailed, stepNames[o.FailAt]))
		}
		if res.FailureReason == "" {
			d = append(d, "failureReason is empty")
		}
	}
	if len(d) == 0 {
		return nil
	}
	return []problem{{
		text: fmt.Sprintf("ProcessOrder answered %s: %s", describeResult(res), strings.Join(d, "; ")),
		hint: "return (and store) an OrderResult built from the participants' answers: status \"completed\" with reservationId, chargeId and labelId, or status \"failed\" with a failureReason",
	}}
}

// expectEffects fails with the problems of o, if any.
func expectEffects(env *grader.Env, o order, res ex6.OrderResult, sent string, strictness bool) error {
	ps := check(o, observe(env, o), res, strictness)
	if len(ps) == 0 {
		return nil
	}
	return failure(sent, o, ps)
}

// failure turns problems into a Failure whose hint is the first problem's.
func failure(sent string, o order, ps []problem) *grader.Failure {
	texts := make([]string, len(ps))
	for i, p := range ps {
		texts[i] = p.text
	}
	return grader.Fail(sent, expectEffectsText(o), "%s", strings.Join(texts, "\n")).WithHint(ps[0].hint)
}

// expectEffectsText says what the world must see for o.
func expectEffectsText(o order) string {
	switch o.FailAt {
	case stepNone:
		return "status \"completed\"; exactly one stock reservation, one charge, one label and one confirmation; no compensation"
	case stepReserve:
		return "status \"failed\"; no reservation, charge or label; one failure notice"
	case stepPayment:
		return "status \"failed\"; one reservation, released once; no charge succeeded, no label; one failure notice"
	case stepLabel:
		return "status \"failed\"; one reservation released once, one charge refunded once (whole amount), no label; one failure notice"
	default:
		return "status \"failed\"; one reservation released once, one charge refunded once, one label cancelled once, no confirmation; one failure notice"
	}
}

func indent(s string) string { return "  " + strings.ReplaceAll(s, "\n", "\n  ") }

// counts lists how many of each effect there are, to compare before and after repeats.
func (e effects) counts() map[string]world.Calls {
	return map[string]world.Calls{
		"stock reservations":   e.reserved,
		"reservation releases": e.released,
		"charges":              e.charges,
		"refunds":              e.refunds,
		"labels":               e.labels,
		"label cancellations":  e.cancels,
		"confirmations":        e.confirmations,
		"failure notices":      e.failures,
	}
}

// added describes the effects after has beyond those of before ("" when none).
func added(before, after effects) string {
	b := before.counts()
	var out []string
	for _, kind := range []string{"stock reservations", "charges", "labels", "confirmations", "reservation releases", "refunds", "label cancellations", "failure notices"} {
		a := after.counts()[kind]
		if len(a) > len(b[kind]) {
			out = append(out, fmt.Sprintf("%d more %s:\n%s", len(a)-len(b[kind]), kind, indent(a[len(b[kind]):].String())))
		}
	}
	return strings.Join(out, "\n")
}
