package ex5

import (
	"fmt"
	"strings"

	"idempotency/contract/ex5"
	"idempotency/fixtures/world"
	"idempotency/grader"
)

// effects is what the outside world saw of one webhook: the order store's writes for
// its order and the notifications its customer received.
type effects struct {
	markPaid world.Calls // delivered orders.markPaid calls for the webhook's order
	notices  world.Calls // delivered notify calls for the webhook's customer
	all      world.Calls // every call about the webhook's order or customer, failed ones too
}

func effectsOf(env *grader.Env, w webhook) effects {
	all := env.World.Calls(aboutWebhook(w))
	return effects{
		markPaid: all.Where(world.Gateway(world.MarkPaid)).Delivered(),
		notices:  all.Where(world.Gateway(world.Notify)).Delivered(),
		all:      all,
	}
}

// want returns how many order-store writes and notifications processing w n times makes.
func want(w webhook, n int) (markPaid, notices int) {
	switch w.Type {
	case ex5.PaymentSucceeded:
		return n, n
	case ex5.PaymentFailed:
		return 0, n
	}
	return 0, 0
}

// expectEffects checks that the world saw exactly n processings of w: for
// payment.succeeded n order-store writes and n notifications, for payment.failed n
// notifications, for other types nothing at all. hint is given when there are too many.
func expectEffects(env *grader.Env, w webhook, n int, sent, hint string) error {
	e := effectsOf(env, w)
	wantPaid, wantNotices := want(w, n)
	expected := expectation(w, n)
	if w.Type != ex5.PaymentSucceeded && w.Type != ex5.PaymentFailed {
		if len(e.all) > 0 {
			return grader.Fail(sent, expected, "the gateways were called about it:\n%s", e.all).
				WithHint(fmt.Sprintf("acknowledge a webhook of a type you do not handle (%q) with success and do nothing else: no order update, no notification", w.Type))
		}
		return nil
	}
	if len(e.markPaid) == wantPaid && len(e.notices) == wantNotices {
		return checkArgs(w, e, sent, expected)
	}
	obs := fmt.Sprintf("order store writes for order %s: %d; notifications to customer %s: %d", w.OrderID, len(e.markPaid), w.CustomerID, len(e.notices))
	if len(e.all) > 0 {
		obs += "; the gateways saw:\n" + e.all.String()
	}
	f := grader.Fail(sent, expected, "%s", obs)
	switch {
	case len(e.markPaid) > wantPaid || len(e.notices) > wantNotices:
		return f.WithHint(hint)
	case len(e.all) == 0 && n > 0:
		return f.WithHint(processingHint(w))
	case len(e.markPaid) < wantPaid || len(e.notices) < wantNotices:
		return f.WithHint(processingHint(w) + "; a gateway error must not end the processing early (a transient one is retried by Restate)")
	}
	return f
}

// expectOrderStoreUntouched checks that processing the payment.failed webhook w called
// the order store not at all, a read included (R3). It is judged right after the first
// delivery answered, so that a duplicate's read (R14's) is not counted here.
func expectOrderStoreUntouched(env *grader.Env, w webhook, sent string) error {
	if w.Type != ex5.PaymentFailed {
		return nil
	}
	calls := effectsOf(env, w).all.Where(world.Gateway(world.MarkPaid, world.OrderStatus))
	if len(calls) == 0 {
		return nil
	}
	return grader.Fail(sent, expectation(w, 1), "the order store was called about order %s:\n%s", w.OrderID, calls).
		WithHint("payment.failed only notifies the customer: no order-store call at all, not even fixtures.GetOrderStatus")
}

// expectation words what n processings of w look like from outside.
func expectation(w webhook, n int) string {
	switch w.Type {
	case ex5.PaymentSucceeded:
		return fmt.Sprintf("order %s marked paid with payment %s exactly %s and customer %s notified (%q) exactly %s",
			w.OrderID, w.PaymentID, times(n), w.CustomerID, w.Type, times(n))
	case ex5.PaymentFailed:
		return fmt.Sprintf("customer %s notified (%q) exactly %s, and the order store left alone", w.CustomerID, w.Type, times(n))
	}
	return "success and no gateway call at all"
}

// processingHint says what processing w means.
func processingHint(w webhook) string {
	switch w.Type {
	case ex5.PaymentSucceeded:
		return fmt.Sprintf("payment.succeeded must call fixtures.MarkOrderPaid(data.%s, data.%s) and fixtures.SendNotification(data.%s, %q, data.%s), each inside restate.Run",
			ex5.DataOrderID, ex5.DataPaymentID, ex5.DataCustomerID, ex5.PaymentSucceeded, ex5.DataOrderID)
	case ex5.PaymentFailed:
		return fmt.Sprintf("payment.failed must call fixtures.SendNotification(data.%s, %q, data.%s) inside restate.Run, and not mark the order paid",
			ex5.DataCustomerID, ex5.PaymentFailed, ex5.DataOrderID)
	}
	return "unknown types are acknowledged without effect"
}

// checkArgs checks that the effects carry the webhook's data.
func checkArgs(w webhook, e effects, sent, expected string) error {
	var bad []string
	for _, c := range e.markPaid {
		if c.Arg(world.ArgPaymentID) != w.PaymentID {
			bad = append(bad, c.String())
		}
	}
	for _, c := range e.notices {
		if c.Arg(world.ArgEvent) != w.Type || c.Arg(world.ArgReference) != w.OrderID || c.Arg(world.ArgCustomerID) != w.CustomerID {
			bad = append(bad, c.String())
		}
	}
	if len(bad) == 0 {
		return nil
	}
	return grader.Fail(sent, expected, "calls with other arguments than the webhook's data:\n%s", strings.Join(bad, "\n")).
		WithHint(processingHint(w))
}

// times words a count: "never", "once", "twice", "3 times".
func times(n int) string {
	switch n {
	case 0:
		return "never"
	case 1:
		return "once"
	case 2:
		return "twice"
	}
	return fmt.Sprintf("%d times", n)
}
