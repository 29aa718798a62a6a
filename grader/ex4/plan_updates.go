package ex4

import (
	"context"
	"fmt"
	"time"

	"idempotency/contract/ex4"
	"idempotency/fixtures"
	"idempotency/fixtures/world"
	"idempotency/grader"
	"idempotency/grader/proxy"
)

func planUpdates() grader.Scenario {
	return grader.Scenario{
		ID:     "plan-updates",
		Title:  "Plan updates handle edge cases",
		Points: 20,
		Hint: "UpdatePlan: unknown subscription -> 404; cancelled -> terminal 409; the plan it is on already -> return it " +
			"with no charge, refund or email; unknown plan -> terminal 400 and nothing changes; otherwise charge (upgrade) " +
			"or refund (downgrade) the prorated difference once, inside restate.Run, as the README's formula says (TODO step 5)",
		Run: runPlanUpdates,
	}
}

func runPlanUpdates(ctx context.Context, env *grader.Env) error {
	if err := sameCyclePlanChanges(ctx, env); err != nil {
		return err
	}
	if err := monthlyToYearly(ctx, env); err != nil {
		return err
	}
	if err := yearlyToMonthly(ctx, env); err != nil {
		return err
	}
	return refusedPlanChanges(ctx, env)
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

// sameCyclePlanChanges: a no-op, an unknown plan, an upgrade (crashed once), the same
// upgrade again, and a downgrade, all within one billing period.
func sameCyclePlanChanges(ctx context.Context, env *grader.Env) error {
	basic, pro := basicMonthly, proMonthly
	if env.Rand.IntN(2) == 1 {
		basic, pro = basicYearly, proYearly
	}
	s := newSubject(env, basic)
	if err := createSubject(ctx, env, s); err != nil {
		return err
	}

	d0 := dayInPeriod(env.Rand, s.bill, 0)
	sent := describeUpdate(s.key, basic, d0) + " (the plan it is on already)"
	before := effectsOf(env, s)
	env.Step("%s", sent)
	got, err := updatePlan(ctx, env, s.key, basic, fmtDate(d0))
	if err != nil {
		return unexpected(env, nil, sent, "the subscription, unchanged", err)
	}
	if diff := diffSubs(s.sub, got); diff != "" {
		return grader.Fail(sent, "the subscription, unchanged: "+describe(s.sub), "%s: %s", describe(got), diff)
	}
	if err := expectNoEffect(env, s, before, sent, "moving to the plan it is on is a no-op"); err != nil {
		return withHint(err, "compare the requested plan with the current one first and return the subscription unchanged when they are the same")
	}

	unknown := unknownPlanID(env.Rand)
	sent = describeUpdate(s.key, unknown, d0) + " (a plan the catalogue does not have)"
	env.Step("%s", sent)
	got, err = updatePlan(ctx, env, s.key, unknown, fmtDate(d0))
	if grader.Code(err) != 400 {
		return unexpectedCode(sent, "a terminal 400 error", got, err)
	}
	if err := expectNoEffect(env, s, before, sent, "the plan is unknown"); err != nil {
		return err
	}
	if err := expectStored(ctx, env, s.key, s.sub, "after the refused plan change"); err != nil {
		return err
	}

	d1 := dayInPeriod(env.Rand, s.bill, 0)
	crash := env.ArmCrash(target(s.key, ex4.UpdatePlan), proxy.CrashBeforeCompletion, 1)
	defer crash.Disarm()
	sent = describeUpdate(s.key, pro, d1) + " (an upgrade; the first attempt crashed just before it completed)"
	if err := changePlan(ctx, env, s, pro, d1, sent); err != nil {
		return withHint(err, "an upgrade charges round-half-up((new price - old price) × unused days / days in the period) once, "+
			"inside restate.Run so that a retry replays it")
	}
	if err := crash.Check(); err != nil {
		return err
	}

	sent = describeUpdate(s.key, pro, d1) + " again (the plan it is on now)"
	before = effectsOf(env, s)
	env.Step("%s", sent)
	got, err = updatePlan(ctx, env, s.key, pro, fmtDate(d1))
	if err != nil {
		return unexpected(env, nil, sent, "the subscription, unchanged", err)
	}
	if diff := diffSubs(s.sub, got); diff != "" {
		return grader.Fail(sent, "the subscription, unchanged: "+describe(s.sub), "%s: %s", describe(got), diff)
	}
	if err := expectNoEffect(env, s, before, sent, "moving to the plan it is on is a no-op"); err != nil {
		return err
	}

	d2 := dayIn(env.Rand, d1, s.bill.remaining(d1))
	sent = describeUpdate(s.key, basic, d2) + " (a downgrade)"
	if err := changePlan(ctx, env, s, basic, d2, sent); err != nil {
		return withHint(err, "a downgrade refunds round-half-up((old price - new price) × unused days / days in the period) once, inside restate.Run")
	}
	return expectStored(ctx, env, s.key, s.sub, "after the upgrade and the downgrade")
}

// monthlyToYearly upgrades to a yearly plan, which starts a new period at the change,
// and cancels within that new period.
func monthlyToYearly(ctx context.Context, env *grader.Env) error {
	from, to := basicMonthly, proYearly
	if env.Rand.IntN(2) == 1 {
		from, to = proMonthly, basicYearly
	}
	s := newSubject(env, from)
	if err := createSubject(ctx, env, s); err != nil {
		return err
	}
	d := dayInPeriod(env.Rand, s.bill, 0)
	sent := describeUpdate(s.key, to, d) + " (monthly to yearly: a new yearly period starts on the change date)"
	if err := changePlan(ctx, env, s, to, d, sent); err != nil {
		return withHint(err, "moving to another billing cycle starts a new period on the change date: charge the new plan's full price "+
			"less the unused part of the old plan (README), once, inside restate.Run")
	}
	dc := dayInPeriod(env.Rand, s.bill, 0)
	sent = describeCancel(s.key, dc) + fmt.Sprintf(" (in the yearly period %s to %s that the plan change started)", fmtDate(s.bill.start), fmtDate(s.bill.end))
	_, err := cancelOnce(ctx, env, s, dc, sent)
	return withHint(err, "after a change of billing cycle the current period runs from the change date for one cycle of the new plan; "+
		"a refund larger than the newest charge is split over the charges, newest first")
}

// yearlyToMonthly moves a yearly subscription early in its year to a monthly plan: a
// refund of the unused year less the new month, and a monthly period from then.
func yearlyToMonthly(ctx context.Context, env *grader.Env) error {
	from, to := proYearly, basicMonthly
	if env.Rand.IntN(2) == 1 {
		from, to = basicYearly, proMonthly
	}
	s := newSubject(env, from)
	if err := createSubject(ctx, env, s); err != nil {
		return err
	}
	d := dayIn(env.Rand, s.bill.start, 150)
	sent := describeUpdate(s.key, to, d) + " (yearly to monthly: a new monthly period starts on the change date)"
	if err := changePlan(ctx, env, s, to, d, sent); err != nil {
		return withHint(err, "moving to another billing cycle starts a new period on the change date: the new plan's full price "+
			"less the unused part of the old plan; when that is negative, refund the difference (README)")
	}
	dc := dayInPeriod(env.Rand, s.bill, 0)
	sent = describeCancel(s.key, dc) + fmt.Sprintf(" (in the monthly period %s to %s that the plan change started)", fmtDate(s.bill.start), fmtDate(s.bill.end))
	_, err := cancelOnce(ctx, env, s, dc, sent)
	return err
}

// refusedPlanChanges: a cancelled subscription cannot change plans (409), an unknown one
// does not exist (404).
func refusedPlanChanges(ctx context.Context, env *grader.Env) error {
	s := newSubject(env, randomDayPlan(env.Rand))
	if err := createSubject(ctx, env, s); err != nil {
		return err
	}
	d := dayInPeriod(env.Rand, s.bill, 1)
	env.Step("%s", describeCancel(s.key, d))
	c, err := cancelSub(ctx, env, s.key, fmtDate(d))
	if err != nil {
		return unexpected(env, nil, describeCancel(s.key, d), "the cancelled subscription", err)
	}
	before := effectsOf(env, s)
	to := otherPlan(env, s.plan.PlanID)
	sent := describeUpdate(s.key, to, d.AddDate(0, 0, 1)) + " on the cancelled subscription"
	env.Step("%s", sent)
	got, err := updatePlan(ctx, env, s.key, to, fmtDate(d.AddDate(0, 0, 1)))
	if grader.Code(err) != 409 {
		return withHint(unexpectedCode(sent, "a terminal 409 error (the subscription is cancelled)", got, err),
			"check the status before anything else: a cancelled subscription -> restate.ToTerminalError(err, restate.WithErrorCode(409))")
	}
	if err := expectNoEffect(env, s, before, sent, "the subscription is cancelled"); err != nil {
		return err
	}
	if err := expectStored(ctx, env, s.key, c, "after the refused plan change"); err != nil {
		return err
	}

	key := env.NewKey(ex4.ServiceName, "sub")
	sent = describeUpdate(key, to, d) + " (a subscription that was never created)"
	env.Step("%s", sent)
	got, err = updatePlan(ctx, env, key, to, fmtDate(d))
	if grader.Code(err) != 404 {
		return unexpectedCode(sent, "a terminal 404 error", got, err)
	}
	return nil
}
