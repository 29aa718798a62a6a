package ex6

import (
	"context"
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
	// doubled names the participant handler ("Svc.Handler") whose effect happened more
	// often than it may, so that diagnose can tell why.
	doubled string
}

// Strictness of check: whether a missing compensation is a problem. Only the
// compensation criteria demand every compensation; the others judge that nothing
// happens twice, so that one missing compensation costs one criterion.
const (
	lenient = false
	strict  = true
)

// kind is one effect of an order: the calls seen, how many there must be, the
// participant handler that makes it, and hints for too many and too few.
type kind struct {
	what          string
	got           world.Calls
	n             int
	handler       string
	compensation  bool
	tooMany, none string
}

// check compares the effects of o with what its outcome demands, and the answer's
// status with the outcome. It returns the problems found, most telling first.
func check(o order, e effects, res ex6.OrderResult, strictness bool) []problem {
	w := wantFor(o.FailAt)
	kinds := []kind{
		{"the warehouse saw stock reserved", e.reserved, w.reserved, ex6.InventoryServiceName + "." + ex6.ReserveStock, false,
			"call InventoryService.ReserveStock once per order, with an idempotency key made from the order ID",
			"reserve the order's stock first: InventoryService.ReserveStock"},
		{"the payment gateway charged customer " + o.Req.CustomerID, e.charges, w.charges, ex6.PaymentServiceName + "." + ex6.CreatePayment, false,
			"call PaymentService.CreatePayment once per order, with restate.WithIdempotencyKey(orderID+\"-payment\"), and answer a repeated ProcessOrder from the stored result",
			"charge the customer after reserving stock: PaymentService.CreatePayment"},
		{"the shipping gateway bought a label", e.labels, w.labels, ex6.ShippingServiceName + "." + ex6.CreateLabel, false,
			"call ShippingService.CreateLabel once per order, with an idempotency key made from the order ID",
			"buy the label after the payment: ShippingService.CreateLabel"},
		{"the customer was sent the order confirmation", e.confirmations, w.confirmations, ex6.NotificationServiceName + "." + ex6.SendNotification, false,
			"the confirmation goes out once: NotificationService.SendNotification with an idempotency key, and never from outside restate.Run",
			fmt.Sprintf("a completed order ends with NotificationService.SendNotification(customerId, %q, orderId)", ex6.EventOrderConfirmed)},
		{"the warehouse saw the reservation released", e.released, w.released, ex6.InventoryServiceName + "." + ex6.ReleaseReservation, true,
			"release the reservation once: one ReleaseReservation call with an idempotency key, and a compensation registered once",
			"when a later step fails, release the reservation: InventoryService.ReleaseReservation(reservation.ID)"},
		{"the payment gateway refunded", e.refunds, w.refunds, ex6.PaymentServiceName + "." + ex6.RefundPayment, true,
			"refund once: one RefundPayment call with an idempotency key",
			"when a step after the payment fails, refund the charge: PaymentService.RefundPayment(charge.ID, charge.Amount)"},
		{"the shipping gateway cancelled a label", e.cancels, w.cancels, ex6.ShippingServiceName + "." + ex6.CancelLabel, true,
			"cancel the label once: one CancelLabel call with an idempotency key",
			"when a step after the label fails, cancel the label: ShippingService.CancelLabel(label.ID)"},
		{"the customer was sent the failure notice", e.failures, w.failures, ex6.NotificationServiceName + "." + ex6.SendNotification, true,
			"send the failure notice once, with an idempotency key",
			fmt.Sprintf("a failed order tells the customer: NotificationService.SendNotification(customerId, %q, orderId)", ex6.EventOrderFailed)},
	}
	var ps []problem
	for _, k := range kinds {
		switch {
		case len(k.got) > k.n && k.n == 0:
			// Not a duplicate: the step should not have happened at all.
			ps = append(ps, problem{text: fmt.Sprintf("%s %d times for order %s (expected none: step %q fails, so nothing of it or of a later step happens):\n%s",
				k.what, len(k.got), o.ID, stepNames[o.FailAt], indent(k.got.String())), hint: failedStepHint[o.FailAt]})
		case len(k.got) > k.n:
			ps = append(ps, problem{fmt.Sprintf("%s %d times for order %s (expected %d):\n%s", k.what, len(k.got), o.ID, k.n, indent(k.got.String())), k.tooMany, k.handler})
		case len(k.got) < k.n && (strictness || !k.compensation):
			// a missing compensation is the compensation criteria's to judge
			ps = append(ps, problem{text: fmt.Sprintf("%s %d times for order %s (expected %d)", k.what, len(k.got), o.ID, k.n), hint: k.none})
		}
	}
	if !o.RefundOnly && len(e.charges) == 1 && e.charges[0].Amount() != o.Req.Payment.Amount {
		ps = append(ps, problem{text: fmt.Sprintf("the charge was %d cents, the order's payment.amount %d (the items add up to %d):\n%s",
			e.charges[0].Amount(), o.Req.Payment.Amount, totalOf(o.Req.Items), indent(e.charges.String())),
			hint: "charge what the order says: PaymentRequest{Amount: req.Payment.Amount}; the payment may include shipping, so it is not the items' total"})
	}
	if len(e.labels) == 1 && e.labels[0].Arg(world.ArgAddress) != o.Req.ShippingAddress {
		ps = append(ps, problem{text: fmt.Sprintf("the label was bought for address %q, the order's shippingAddress is %q",
			e.labels[0].Arg(world.ArgAddress), o.Req.ShippingAddress),
			hint: "buy the label for the order's address: LabelRequest{Address: req.ShippingAddress}"})
	}
	if len(e.refunds) == 1 && len(e.charges) == 1 && e.refunds[0].Amount() != e.charges[0].Amount() {
		ps = append(ps, problem{text: fmt.Sprintf("the refund was %d cents, the charge %d", e.refunds[0].Amount(), e.charges[0].Amount()),
			hint: "refund the whole charge: RefundRequest{ChargeID: charge.ID, Amount: charge.Amount}"})
	}
	// A wrong status is the most telling problem: it comes first, with its hint.
	return append(checkStatus(o, res), ps...)
}

// checkStatus compares ProcessOrder's status with the order's outcome. Every
// criterion judges it; the rest of the answer is checkResult's.
func checkStatus(o order, res ex6.OrderResult) []problem {
	var d grader.Diff
	if o.FailAt == stepNone {
		d.Str("status", ex6.StatusCompleted, res.Status)
	}
	if o.FailAt != stepNone {
		if res.Status != ex6.StatusFailed {
			d.Note("status %q, expected %q (step %q failed)", res.Status, ex6.StatusFailed, stepNames[o.FailAt])
		}
		if res.FailureReason == "" {
			d.Note("failureReason is empty")
		}
	}
	ps := answerProblem(res, d)
	if len(ps) > 0 && o.FailAt != stepNone && res.Status != ex6.StatusFailed {
		ps[0].hint = failedStepHint[o.FailAt]
	}
	return ps
}

// failedStepHint says, for an order that should have failed at a step but did not,
// what fails it.
var failedStepHint = map[int]string{
	stepReserve: "an order with a sold-out item (any of its items) fails at step 1: ReserveStock answers 409, nothing is reserved; " +
		"answer status \"failed\" with a failureReason, after sending the failure notice",
	stepPayment: "a declined card fails the order at step 2: CreatePayment answers 402; release the reservation, send the failure " +
		"notice and answer status \"failed\"",
	stepLabel: "a label that cannot be bought fails the order at step 3: CreateLabel answers with a terminal error; refund the " +
		"charge, release the reservation, send the failure notice and answer status \"failed\"",
	stepConfirm: "the confirmation is part of the transaction: when it fails for good (await it: a one-way send never tells you), " +
		"cancel the label, refund the charge, release the reservation, send the failure notice and answer status \"failed\"",
}

// checkResult compares the rest of the answer with the order and the ledger: the
// object key as orderId, and for a completed order the IDs the gateways handed out.
// Only the criterion about the result (transaction-idempotent) judges these fields.
func checkResult(o order, e effects, res ex6.OrderResult) []problem {
	var d grader.Diff
	if res.OrderID != o.ID {
		d.Note("orderId %q, expected the object key %q", res.OrderID, o.ID)
	}
	if o.FailAt == stepNone {
		if len(e.reserved) == 1 && res.ReservationID != e.reserved[0].Result {
			d.Note("reservationId %q, expected the warehouse's reservation ID %q", res.ReservationID, e.reserved[0].Result)
		}
		if len(e.charges) == 1 && res.ChargeID != e.charges[0].Result {
			d.Note("chargeId %q, expected the payment gateway's charge ID %q", res.ChargeID, e.charges[0].Result)
		}
		if len(e.labels) == 1 && res.LabelID != e.labels[0].Result {
			d.Note("labelId %q, expected the shipping gateway's label ID %q", res.LabelID, e.labels[0].Result)
		}
	}
	return answerProblem(res, d)
}

func answerProblem(res ex6.OrderResult, d grader.Diff) []problem {
	if d.Empty() {
		return nil
	}
	return []problem{{
		text: fmt.Sprintf("ProcessOrder answered %s: %s", describeResult(res), d.String()),
		hint: "return (and store) an OrderResult built from the participants' answers: orderId = restate.Key(ctx), status \"completed\" " +
			"with reservationId (Reservation.ID), chargeId and labelId, or status \"failed\" with a failureReason",
	}}
}

// expectEffects fails with the problems of o, if any, explained.
func expectEffects(ctx context.Context, env *grader.Env, o order, res ex6.OrderResult, sent string, strictness bool) error {
	return judge(ctx, env, o, sent, check(o, observe(env, o), res, strictness))
}

// judge turns problems into a Failure (nil when there are none), with the cause of a
// doubled effect found in Restate's introspection.
func judge(ctx context.Context, env *grader.Env, o order, sent string, ps []problem) error {
	if len(ps) == 0 {
		return nil
	}
	f := failure(sent, o, ps)
	for _, p := range ps {
		if p.doubled == "" {
			continue
		}
		why, hint, err := diagnose(ctx, env, o, p.doubled)
		if err != nil {
			return err
		}
		if why != "" {
			f.Observed += "\n" + why
			if ps[0].doubled != "" {
				f.WithHint(hint) // the duplicate is the most telling problem: its cause is the hint
			}
		}
		break
	}
	return f
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
		return "status \"completed\"; exactly one stock reservation, one charge of payment.amount, one label and one confirmation; no compensation"
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

// expectNothingAdded fails when the world saw more effects for o than before.
func expectNothingAdded(ctx context.Context, env *grader.Env, o order, before effects, sent string) error {
	more := added(before, observe(env, o))
	if more == "" {
		return nil
	}
	f := grader.Fail(sent, "the repeats add no effect to those of the first call", "%s", more).
		WithHint("a repeated ProcessOrder must return the stored result before calling any participant")
	return f
}
