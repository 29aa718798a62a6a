package ex4

import (
	"context"
	"fmt"
	"time"

	"idempotency/contract/ex4"
	"idempotency/fixtures"
	"idempotency/fixtures/world"
	"idempotency/grader"
	"idempotency/grader/internal/proxy"
)

func planUpdates() grader.Scenario {
	return grader.Scenario{
		ID:     "plan-updates",
		Title:  "Plan updates handle edge cases",
		Points: 20,
		Needs:  needs(ex4.CreateSubscription, ex4.UpdatePlan, ex4.CancelSubscription, ex4.GetSubscription),
		Hint: "UpdatePlan: unknown subscription -> 404; cancelled -> terminal 409; the plan it is on already -> return it " +
			"with no charge, refund or email; unknown plan -> terminal 400 and nothing changes; otherwise charge (upgrade) " +
			"or refund (downgrade) the prorated difference once, inside restate.Run, as the README's formula says (TODO step 5)",
		// Generous: it shares the machine with the other scenarios, and a batch with other gradings.
		Timeout: 60 * time.Second,
		Run:     runPlanUpdates,
	}
}

func runPlanUpdates(ctx context.Context, env *grader.Env) error {
	same, err := sameCyclePlanChanges(ctx, env)
	if err != nil {
		return err
	}
	toYearly, err := monthlyToYearly(ctx, env)
	if err != nil {
		return err
	}
	toMonthly, err := yearlyToMonthly(ctx, env)
	if err != nil {
		return err
	}
	refused, err := refusedPlanChanges(ctx, env)
	if err != nil {
		return err
	}
	edges, err := refundEdges(ctx, env)
	if err != nil {
		return err
	}
	env.AfterRestart("the subscriptions whose plans changed", func(ctx context.Context) error {
		for _, s := range []*subject{toYearly, toMonthly, refused, edges, same} {
			if err := expectStored(ctx, env, s.key, s.sub, "after the restart"); err != nil {
				return withHint(err, "keep the subscription, its plan and its billing period in Restate's state (restate.Set / restate.Get)")
			}
			if err := expectPaid(env, s, "GetSubscription "+s.key+" after the restart"); err != nil {
				return err
			}
		}
		// The plan, the period and the charges are read back from the stored state: the
		// refund is larger than the newest charge, so it is split.
		d := same.lastChange
		sent := describeCancel(same.key, d) + fmt.Sprintf(" after the restart, on the day of its last upgrade (%s): a refund larger than that upgrade's charge", same.bill.plan.PlanID)
		if _, err := cancelOnce(ctx, env, same, d, sent); err != nil {
			return withHint(err, "refund from the subscription's charges newest first: when the newest has less left than is still to "+
				"refund, refund what it has and the rest from the charge before it; keep the charges in Restate's state")
		}
		return expectPaid(env, same, sent)
	})
	return nil
}

func describeUpdate(key, planID string, d time.Time) string {
	return fmt.Sprintf("UpdatePlan %s {planId:%q date:%q}", key, planID, fmtDate(d))
}

// explainChange says how moving from b's plan to p on d is priced.
func explainChange(b billing, p fixtures.Plan, d time.Time) string {
	delta, _ := b.change(p, d)
	what := "a charge"
	if delta < 0 {
		what = "a refund"
	}
	if p.BillingCycle == b.plan.BillingCycle {
		return fmt.Sprintf("%s of %d cents: |%d - %d| cents (%s -> %s) × %d unused days (%s to %s) / %d days in the period (%s to %s), rounded half up; the period stays",
			what, abs(delta), p.Price, b.plan.Price, b.plan.PlanID, p.PlanID, b.remaining(d), fmtDate(d), fmtDate(b.end), b.total(), fmtDate(b.start), fmtDate(b.end))
	}
	return fmt.Sprintf("%s of %d cents: %s's price %d for a new %s period from %s, less the unused part of %s: %d × %d unused days / %d days, rounded half up = %d",
		what, abs(delta), p.PlanID, p.Price, p.BillingCycle, fmtDate(d), b.plan.PlanID, b.plan.Price, b.remaining(d), b.total(), b.cancelRefund(d))
}

// changePlan moves s to planID on d and checks the answer and the payment.
func changePlan(ctx context.Context, env *grader.Env, s *subject, planID string, d time.Time, sent string) error {
	p := mustPlan(planID)
	delta, next := s.bill.change(p, d)
	before := effectsOf(env, s)
	env.Step("%s", sent)
	got, err := updatePlan(ctx, env, s.key, planID, fmtDate(d))
	if err != nil {
		return unexpected(env, s, sent, "the subscription on plan "+planID, err)
	}
	want := s.sub
	want.PlanID = planID
	if diff := diffSubs(want, got); diff != "" {
		return grader.Fail(sent, "the subscription with planId "+planID+" and nothing else changed: "+describe(want), "%s: %s", describe(got), diff)
	}
	charge, refund := max(delta, 0), max(-delta, 0)
	if err := expectMoney(sent, explainChange(s.bill, p, d), effectsOf(env, s).since(before), charge, refund); err != nil {
		return err
	}
	s.sub, s.bill = want, next
	s.charged += charge
	s.refunded += refund
	s.emails++
	s.lastChange = d
	return nil
}

// expectNoEffect checks that a call that must change nothing left no payment or email.
func expectNoEffect(env *grader.Env, s *subject, before effects, sent, why string) error {
	e := effectsOf(env, s).since(before)
	if len(e.charges)+len(e.refunds)+len(e.emails) == 0 {
		return nil
	}
	all := append(append(append(world.Calls{}, e.charges...), e.refunds...), e.emails...)
	return grader.Fail(sent, "no charge, no refund and no email: "+why, "the gateways saw:\n%s", indent(all.String()))
}

// sameCyclePlanChanges: a no-op, an unknown plan, an upgrade (crashed once, on a day
// whose prorated amount rounds up), the same upgrade again, a downgrade and a second
// upgrade (a new operation, with a new idempotency key), all within one billing period.
// The subscription stays active: after the restart it is cancelled on the day of its
// second upgrade.
func sameCyclePlanChanges(ctx context.Context, env *grader.Env) (*subject, error) {
	basic, pro := basicMonthly, proMonthly
	if env.Rand.IntN(2) == 1 {
		basic, pro = basicYearly, proYearly
	}
	s := newSubject(env, basic)
	if err := createSubject(ctx, env, s); err != nil {
		return nil, err
	}

	d0 := dayInPeriod(env.Rand, s.bill, 0)
	sent := describeUpdate(s.key, basic, d0) + " (the plan it is on already)"
	before := effectsOf(env, s)
	env.Step("%s", sent)
	got, err := updatePlan(ctx, env, s.key, basic, fmtDate(d0))
	if err != nil {
		return nil, unexpected(env, nil, sent, "the subscription, unchanged", err)
	}
	if diff := diffSubs(s.sub, got); diff != "" {
		return nil, grader.Fail(sent, "the subscription, unchanged: "+describe(s.sub), "%s: %s", describe(got), diff)
	}
	if err := expectNoEffect(env, s, before, sent, "moving to the plan it is on is a no-op"); err != nil {
		return nil, withHint(err, "compare the requested plan with the current one first and return the subscription unchanged when they are the same")
	}

	unknown := unknownPlanID(env.Rand)
	sent = describeUpdate(s.key, unknown, d0) + " (a plan the catalogue does not have)"
	env.Step("%s", sent)
	got, err = updatePlan(ctx, env, s.key, unknown, fmtDate(d0))
	if grader.Code(err) != 400 {
		return nil, withHint(unexpectedCode(sent, "a terminal 400 error", got, err),
			"an unknown plan is invalid input: fixtures.GetPlan's permanent error becomes restate.ToTerminalError(err, restate.WithErrorCode(400))")
	}
	if err := expectNoEffect(env, s, before, sent, "the plan is unknown"); err != nil {
		return nil, err
	}
	if err := expectStored(ctx, env, s.key, s.sub, "after the refused plan change"); err != nil {
		return nil, err
	}

	third := s.bill.total() / 3
	diff := mustPlan(pro).Price - s.plan.Price
	d1 := dayRoundingUp(env.Rand, s.bill, diff, s.bill.start, third)
	crash := env.ArmCrash(target(s.key, ex4.UpdatePlan), proxy.CrashBeforeCompletion, 1)
	defer crash.Disarm()
	sent = describeUpdate(s.key, pro, d1) + " (an upgrade whose prorated amount rounds up; the first attempt crashed just before it completed)"
	if err := changePlan(ctx, env, s, pro, d1, sent); err != nil {
		return nil, withHint(err, "an upgrade charges round-half-up((new price - old price) × unused days / days in the period) once, "+
			"inside restate.Run so that a retry replays it; round half up: (2·amount·unused + total) / (2·total) in integers")
	}
	if err := crashFired(crash, sent); err != nil {
		return nil, err
	}

	sent = describeUpdate(s.key, pro, d1) + " again (the plan it is on now)"
	before = effectsOf(env, s)
	env.Step("%s", sent)
	got, err = updatePlan(ctx, env, s.key, pro, fmtDate(d1))
	if err != nil {
		return nil, unexpected(env, nil, sent, "the subscription, unchanged", err)
	}
	if diff := diffSubs(s.sub, got); diff != "" {
		return nil, grader.Fail(sent, "the subscription, unchanged: "+describe(s.sub), "%s: %s", describe(got), diff)
	}
	if err := expectNoEffect(env, s, before, sent, "moving to the plan it is on is a no-op"); err != nil {
		return nil, err
	}

	d2 := dayIn(env.Rand, d1, days(d1, s.bill.start.AddDate(0, 0, 2*third)))
	sent = describeUpdate(s.key, basic, d2) + " (a downgrade)"
	if err := changePlan(ctx, env, s, basic, d2, sent); err != nil {
		return nil, withHint(err, "a downgrade refunds round-half-up((old price - new price) × unused days / days in the period) once, inside restate.Run")
	}
	d3 := dayIn(env.Rand, d2, s.bill.remaining(d2))
	sent = describeUpdate(s.key, pro, d3) + " (a second upgrade to " + pro + ": another operation, with an amount of its own)"
	if err := changePlan(ctx, env, s, pro, d3, sent); err != nil {
		return nil, withHint(err, "each plan change is a new payment: give it an idempotency key of its own (count the changes in your state), "+
			"since the payment gateway refuses a key reused with other arguments and replays one reused with the same")
	}
	return s, expectStored(ctx, env, s.key, s.sub, "after the upgrades and the downgrade")
}

// monthlyToYearly upgrades to a yearly plan, which starts a new period at the change,
// and cancels the next day, as the README's worked example does: the refund is larger
// than the upgrade's charge, so it must be split over the charges.
func monthlyToYearly(ctx context.Context, env *grader.Env) (*subject, error) {
	from, to := basicMonthly, proYearly
	if env.Rand.IntN(2) == 1 {
		from, to = proMonthly, basicYearly
	}
	s := newSubject(env, from)
	if err := createSubject(ctx, env, s); err != nil {
		return nil, err
	}
	d := dayInPeriod(env.Rand, s.bill, 7)
	sent := describeUpdate(s.key, to, d) + " (monthly to yearly: a new yearly period starts on the change date)"
	if err := changePlan(ctx, env, s, to, d, sent); err != nil {
		return nil, withHint(err, "moving to another billing cycle starts a new period on the change date: charge the new plan's full price "+
			"less the unused part of the old plan (README), once, inside restate.Run")
	}
	dc := d.AddDate(0, 0, 1)
	sent = describeCancel(s.key, dc) + fmt.Sprintf(" (the day after the change, in the yearly period %s to %s it started: "+
		"a refund larger than the change's charge, as in the README's worked example)", fmtDate(s.bill.start), fmtDate(s.bill.end))
	_, err := cancelOnce(ctx, env, s, dc, sent)
	return s, withHint(err, "after a change of billing cycle the current period runs from the change date for one cycle of the new plan; "+
		"a refund larger than the newest charge is split over the charges, newest first")
}

// yearlyToMonthly moves a yearly subscription early in its year to a monthly plan, on a
// day from which a month ends on a shorter month's last day (Jan 31 -> Feb 28): a refund
// of the unused year less the new month, then a cancel on the new period's last day.
func yearlyToMonthly(ctx context.Context, env *grader.Env) (*subject, error) {
	from, to := proYearly, basicMonthly
	if env.Rand.IntN(2) == 1 {
		from, to = basicYearly, proMonthly
	}
	s := newSubject(env, from)
	if err := createSubject(ctx, env, s); err != nil {
		return nil, err
	}
	d := clampedDay(env.Rand, s.bill)
	sent := describeUpdate(s.key, to, d) + fmt.Sprintf(" (yearly to monthly: a new monthly period starts on the change date and ends on %s, "+
		"the last day of the next month)", fmtDate(periodEnd(d, ex4.CycleMonthly)))
	if err := changePlan(ctx, env, s, to, d, sent); err != nil {
		return nil, withHint(err, "moving to another billing cycle starts a new period on the change date: the new plan's full price "+
			"less the unused part of the old plan; when that is negative, refund the difference (README)")
	}
	dc := s.bill.lastDay()
	sent = describeCancel(s.key, dc) + fmt.Sprintf(" (the last day of the monthly period %s to %s that the plan change started)", fmtDate(s.bill.start), fmtDate(s.bill.end))
	_, err := cancelOnce(ctx, env, s, dc, sent)
	return s, withHint(err, "a monthly period that starts on day D ends on day D of the next month, or on that month's last day when it "+
		"is shorter (Jan 31 -> Feb 28; Go's AddDate(0, 1, 0) gives Mar 3): periodEnd in the stub does it")
}

// refusedPlanChanges: a cancelled subscription cannot change plans (409), an unknown one
// does not exist (404).
func refusedPlanChanges(ctx context.Context, env *grader.Env) (*subject, error) {
	s := newSubject(env, randomDayPlan(env.Rand))
	if err := createSubject(ctx, env, s); err != nil {
		return nil, err
	}
	d := dayInPeriod(env.Rand, s.bill, 1)
	if _, err := cancelOnce(ctx, env, s, d, describeCancel(s.key, d)); err != nil {
		return nil, err
	}
	before := effectsOf(env, s)
	to := otherPlan(env, s.plan.PlanID)
	sent := describeUpdate(s.key, to, d.AddDate(0, 0, 1)) + " on the cancelled subscription"
	env.Step("%s", sent)
	got, err := updatePlan(ctx, env, s.key, to, fmtDate(d.AddDate(0, 0, 1)))
	if grader.Code(err) != 409 {
		return nil, withHint(unexpectedCode(sent, "a terminal 409 error (the subscription is cancelled)", got, err),
			"check the status before anything else: a cancelled subscription -> restate.ToTerminalError(err, restate.WithErrorCode(409))")
	}
	if err := expectNoEffect(env, s, before, sent, "the subscription is cancelled"); err != nil {
		return nil, err
	}
	if err := expectStored(ctx, env, s.key, s.sub, "after the refused plan change"); err != nil {
		return nil, err
	}

	key := env.NewKey(ex4.ServiceName, "sub")
	sent = describeUpdate(key, to, d) + " (a subscription that was never created)"
	env.Step("%s", sent)
	got, err = updatePlan(ctx, env, key, to, fmtDate(d))
	if grader.Code(err) != 404 {
		return nil, unexpectedCode(sent, "a terminal 404 error", got, err)
	}
	return s, expectNotFound(ctx, env, key, sent, "a plan change must not create a subscription")
}

// refundEdges takes "refund newest first" to its edges on a 30-day basic-monthly period:
// an upgrade on the first day (the whole price difference, 2000 cents) and a downgrade
// the same day, which refunds exactly what that charge has (nothing from the one
// before); a second upgrade, partly refunded by a downgrade the next day; then a cancel
// whose refund takes what the second upgrade has left, passes the first upgrade, which
// has nothing left (the gateway refuses a refund of 0 cents), and takes its last cent
// from the first charge (refundEdgeDays).
func refundEdges(ctx context.Context, env *grader.Env) (*subject, error) {
	s := thirtyDaySubject(env, basicMonthly)
	if err := createSubject(ctx, env, s); err != nil {
		return nil, err
	}
	const hint = "refund from the subscription's charges newest first: from each at most what it has left (its amount less what " +
		"was refunded from it already: a partly refunded charge has less than its amount), skip a charge with nothing left (the payment gateway refuses a refund of 0 cents), and " +
		"take the rest from the charge before it, down to the last cent"
	up, down, end := refundEdgeDays(s.start, 1+env.Rand.IntN(9))
	changes := []struct {
		plan string
		d    time.Time
		what string
	}{
		{proMonthly, s.start, "an upgrade on the first day of the period: the whole price difference"},
		{basicMonthly, s.start, "a downgrade the same day: a refund of everything the upgrade's charge has, nothing from the charge before it"},
		{proMonthly, up, "another upgrade"},
		{basicMonthly, down, "a downgrade the next day: part of that upgrade's charge is refunded"},
	}
	for _, c := range changes {
		if err := changePlan(ctx, env, s, c.plan, c.d, describeUpdate(s.key, c.plan, c.d)+" ("+c.what+")"); err != nil {
			return nil, withHint(err, hint)
		}
	}
	sent := describeCancel(s.key, end) + " (a refund one cent larger than what the last upgrade's charge has left: the rest of " +
		"that charge, nothing from the first upgrade's, which has nothing left, and the last cent from the first charge)"
	if _, err := cancelOnce(ctx, env, s, end, sent); err != nil {
		return nil, withHint(err, hint)
	}
	return s, nil
}
