package ex6

import (
	"context"
	"fmt"
	"slices"
	"strings"

	"idempotency/contract/ex6"
	"idempotency/fixtures/world"
	"idempotency/grader"
	"idempotency/grader/internal/proxy"
)

func saga() grader.Scenario {
	return grader.Scenario{
		ID:     "saga",
		Title:  "Saga: compensations run in reverse on a failure at any step",
		Points: 10,
		Bonus:  true,
		Hint: "register each step's compensation as soon as the step succeeds (a slice of funcs), and on a terminal failure " +
			"run the registered ones from last to first, awaiting each: a failed confirmation cancels the label, refunds, then releases; " +
			"the failure notice comes last",
		// The chain of compensations is read from Restate's introspection by handler.
		Needs: map[string][]string{
			ex6.OrchestratorName:        {ex6.ProcessOrder},
			ex6.InventoryServiceName:    {ex6.ReleaseReservation},
			ex6.PaymentServiceName:      {ex6.RefundPayment},
			ex6.ShippingServiceName:     {ex6.CancelLabel},
			ex6.NotificationServiceName: {ex6.SendNotification},
		},
		Timeout: loadedTimeout,
		Run:     runSaga,
	}
}

// runSaga makes step k fail for good in one order per k (two for k = 4), every k in
// every run, all orders at once with duplicates: exactly the compensations of the steps before k run,
// once each, in reverse order and one after the other, then the failure notice.
func runSaga(ctx context.Context, env *grader.Env) error {
	labelRefused := newOrder(env)
	labelRefused.FailAt = stepLabel
	// Two orders fail at the confirmation, so that each cancels a label of its own: a
	// key that is not the order's would answer the second cancel from the first.
	confirmRefused, confirmRefusedToo := newOrder(env), newOrder(env)
	confirmRefused.FailAt, confirmRefusedToo.FailAt = stepConfirm, stepConfirm
	fs := []failing{
		{o: soldOutOrder(env), why: "step 1 (reserve stock) fails: an item is sold out"},
		{o: declinedOrder(env), why: "step 2 (payment) fails: the card is declined"},
		{o: labelRefused, why: "step 3 (shipping label) fails: the shipping gateway refuses the label",
			rule: env.World.On(world.Gateway(world.CreateLabel), world.Arg(world.ArgOrderID, labelRefused.ID)).FailPermanently("carrier refused the parcel")},
		{o: confirmRefused, why: "step 4 (confirmation) fails: the notification gateway refuses the confirmation for good",
			rule: env.World.On(customerNotice(confirmRefused, ex6.EventOrderConfirmed)...).FailPermanently("customer unreachable")},
		{o: confirmRefusedToo, why: "step 4 (confirmation) fails: the notification gateway refuses the confirmation for good (a second order)",
			rule: env.World.On(customerNotice(confirmRefusedToo, ex6.EventOrderConfirmed)...).FailPermanently("customer unreachable")},
	}
	// One more order fails at the confirmation, alone among the saga's orders once the
	// others have settled, with its label cancellation crashed just before it completes.
	crashedCancel := newOrder(env)
	crashedCancel.FailAt = stepConfirm
	// The first label cancellation's reply is lost: CancelLabel retries it with the same
	// gateway key, and the label is cancelled once. Only this scenario cancels labels.
	lost := env.World.On(world.Gateway(world.CancelLabel)).Times(1).LoseReply()
	defer lost.Remove()
	if err := runFailing(ctx, env, fs, expectReverse); err != nil {
		return err
	}
	lost.Remove()
	return cancelCrashed(ctx, env, crashedCancel)
}

// cancelCrashed processes o, whose confirmation is refused for good, with its label
// cancellation crashed just before it completes: CancelLabel is a participant like the
// others (R15), so its retry replays the recorded cancellation instead of asking the
// shipping gateway again. Only the bonus makes an order cancel a label, so only the
// bonus crashes it; the crash is armed on the handler, so no other order of the saga
// may be cancelling meanwhile.
func cancelCrashed(ctx context.Context, env *grader.Env, o order) error {
	refused := env.World.On(customerNotice(o, ex6.EventOrderConfirmed)...).FailPermanently("customer unreachable")
	defer refused.Remove()
	sent := fmt.Sprintf("ProcessOrder %s; step 4 (confirmation) fails: the notification gateway refuses the confirmation for good; "+
		"%s.%s crashes just before it completes", o.describe(), ex6.ShippingServiceName, ex6.CancelLabel)
	env.Step("%s", sent)
	t := grader.Target{Service: ex6.ShippingServiceName, Handler: ex6.CancelLabel}
	crash := env.ArmCrash(t, proxy.CrashBeforeCompletion, 1)
	defer crash.Disarm()
	res, err := process(ctx, env, o, sent)
	if err != nil {
		return err
	}
	if err := settle(ctx, env, o); err != nil {
		return err
	}
	if err := expectEffects(ctx, env, o, res, sent, strict); err != nil {
		return err
	}
	if err := expectNotAskedAgain(env, o, sent, []grader.Target{t}); err != nil {
		return err
	}
	if crash.Fired() == 0 {
		return grader.Fail(sent, "the label cancelled through ShippingService.CancelLabel, whose crash is survived",
			"the label was cancelled without a CancelLabel invocation").
			WithHint("undo the label with a call to its participant, ShippingService.CancelLabel(label.ID), as the contract says")
	}
	return crash.Check()
}

// expectReverse checks the order of f's compensations: the gateways received them last
// step first, then the failure notice; and each was awaited before the next began
// (Restate's timestamps of the participant invocations), so that the order is the
// orchestrator's and not a race between calls in flight together.
func expectReverse(ctx context.Context, env *grader.Env, f failing) error {
	e := observe(env, f.o)
	var comps []world.Call
	for _, cs := range []world.Calls{e.cancels, e.refunds, e.released} {
		comps = append(comps, cs...)
	}
	expected := "the compensations in reverse order of the steps, one after the other: " + reverseText(f.o.FailAt) + ", then the failure notice"
	// One after the other: each compensation's invocation starts after the previous one
	// has completed. Calls sent one-way, or awaited together, run at the same time, and
	// the order in which they take effect is then a matter of luck.
	_, kids, err := orderInvocations(ctx, env, []string{f.o.ID})
	if err != nil {
		return err
	}
	var chain []invocation
	var notice *invocation
	for _, k := range kids {
		switch k.handler() {
		case ex6.ShippingServiceName + "." + ex6.CancelLabel, ex6.PaymentServiceName + "." + ex6.RefundPayment,
			ex6.InventoryServiceName + "." + ex6.ReleaseReservation:
			chain = append(chain, k)
		case ex6.NotificationServiceName + "." + ex6.SendNotification:
			// The failure notice is the last notification that went through: a refused
			// confirmation ended with a terminal error, and a notice sent some other way
			// than through NotificationService has no invocation at all.
			if k.CompletionFailure == nil || *k.CompletionFailure == "" {
				notice = &k
			}
		}
	}
	if notice != nil && len(chain) > 0 {
		chain = append(chain, *notice)
	}
	for i := 1; i < len(chain); i++ {
		prev, next := chain[i-1], chain[i]
		if next.created().Before(prev.completed()) {
			return grader.Fail(f.sent(), expected,
				"%s started at %s, before %s had completed (at %s): they ran at the same time, so the order in which they took effect was luck.\n"+
					"The invocations, as Restate recorded them:\n%s",
				next.handler(), clock(next.created()), prev.handler(), clock(prev.completed()), indent(timeline(chain))).
				WithHint("await each compensation before starting the next (Request, not Send, and not several futures awaited together): " +
					"a saga undoes its steps one at a time, last step first")
		}
	}
	seen := bySeq(append(slices.Clone(comps), e.failures...))
	for i := 1; i < len(comps); i++ {
		if comps[i].Seq < comps[i-1].Seq {
			return grader.Fail(f.sent(), expected,
				"the gateways saw them in this order (#n is the order of arrival):\n%s", indent(seen.String())).
				WithHint("run the compensations from the last registered to the first: for i := len(comps)-1; i >= 0; i--")
		}
	}
	if len(comps) > 0 && len(e.failures) == 1 && e.failures[0].Seq < comps[len(comps)-1].Seq {
		return grader.Fail(f.sent(), expected,
			"the failure notice reached the customer before a compensation (#n is the order of arrival):\n%s", indent(seen.String())).
			WithHint("tell the customer after the compensations have run, as the last step of a failed order")
	}

	return nil
}

func timeline(invs []invocation) string {
	lines := make([]string, len(invs))
	for i, inv := range invs {
		lines[i] = fmt.Sprintf("%s %s: started %s, completed %s", inv.handler(), inv.ID, clock(inv.created()), clock(inv.completed()))
	}
	return strings.Join(lines, "\n")
}

func reverseText(k int) string {
	var parts []string
	if k > stepLabel {
		parts = append(parts, "cancel the label")
	}
	if k > stepPayment {
		parts = append(parts, "refund the charge")
	}
	if k > stepReserve {
		parts = append(parts, "release the reservation")
	}
	if len(parts) == 0 {
		return "none (nothing to undo)"
	}
	return strings.Join(parts, ", then ")
}

// bySeq returns the calls in order of arrival.
func bySeq(cs []world.Call) world.Calls {
	sorted := slices.Clone(world.Calls(cs))
	slices.SortFunc(sorted, func(a, b world.Call) int { return a.Seq - b.Seq })
	return sorted
}
