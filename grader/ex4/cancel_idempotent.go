package ex4

import (
	"context"
	"fmt"
	"time"

	"idempotency/contract/ex4"
	"idempotency/grader"
	"idempotency/grader/proxy"
)

const concurrentCancels = 3

func cancelIdempotent() grader.Scenario {
	return grader.Scenario{
		ID:     "cancel-idempotent",
		Title:  "Cancellation is idempotent",
		Points: 20,
		Hint: "CancelSubscription: unknown subscription -> terminal 404; already cancelled -> return it as it is, with no " +
			"second refund or email; otherwise refund the unused part of the period once, inside restate.Run: " +
			"price × days from the cancel date to the period's end / days in the period, rounded half up (README; TODO step 4)",
		Run: runCancelIdempotent,
	}
}

func runCancelIdempotent(ctx context.Context, env *grader.Env) error {
	if err := cancelRepeated(ctx, env); err != nil {
		return err
	}
	if err := cancelCrashed(ctx, env); err != nil {
		return err
	}
	if err := cancelConcurrently(ctx, env); err != nil {
		return err
	}
	return cancelUnknown(ctx, env)
}

// explainRefund says how the refund of cancelling on d is computed.
func explainRefund(b billing, d time.Time) string {
	return fmt.Sprintf("a refund of %d cents: %d cents (%s) × %d unused days (%s to %s) / %d days in the period (%s to %s), rounded half up",
		b.cancelRefund(d), b.plan.Price, b.plan.PlanID, b.remaining(d), fmtDate(d), fmtDate(b.end), b.total(), fmtDate(b.start), fmtDate(b.end))
}

func cancelled(s ex4.Subscription, d time.Time) ex4.Subscription {
	s.Status = ex4.StatusCancelled
	s.EndDate = d
	return s
}

func describeCancel(key string, d time.Time) string {
	return fmt.Sprintf("CancelSubscription %s {date:%q}", key, fmtDate(d))
}

// cancelOnce cancels s on d and checks the answer and the refund.
func cancelOnce(ctx context.Context, env *grader.Env, s *subject, d time.Time, sent string) (ex4.Subscription, error) {
	before := effectsOf(env, s)
	env.Step("%s", sent)
	got, err := cancelSub(ctx, env, s.key, fmtDate(d))
	if err != nil {
		return got, unexpected(env, s, sent, "the cancelled subscription", err)
	}
	want := cancelled(s.sub, d)
	if diff := diffSubs(want, got); diff != "" {
		return got, grader.Fail(sent, "the subscription with status \"cancelled\", endDate the cancel date, and nothing else changed: "+describe(want),
			"%s: %s", describe(got), diff)
	}
	e := effectsOf(env, s).since(before)
	if err := expectMoney(sent, explainRefund(s.bill, d), e, 0, s.bill.cancelRefund(d)); err != nil {
		return got, err
	}
	return got, nil
}

// cancelRepeated cancels three times, the last time with another date.
func cancelRepeated(ctx context.Context, env *grader.Env) error {
	s := newSubject(env, randomDayPlan(env.Rand))
	if err := createSubject(ctx, env, s); err != nil {
		return err
	}
	d := dayInPeriod(env.Rand, s.bill, 0)
	before := effectsOf(env, s)
	first, err := cancelOnce(ctx, env, s, d, describeCancel(s.key, d))
	if err != nil {
		return err
	}
	if err := expectEmails(describeCancel(s.key, d), "the welcome email, then one cancellation email", effectsOf(env, s).emails, 2, s.email); err != nil {
		return err
	}

	other := dayInPeriod(env.Rand, s.bill, 0)
	if other.Equal(d) {
		other = s.bill.start
		if other.Equal(d) {
			other = d.AddDate(0, 0, 1)
		}
	}
	for _, again := range []time.Time{d, other} {
		sent := describeCancel(s.key, again) + " on the subscription cancelled already on " + fmtDate(d)
		env.Step("%s", sent)
		got, err := cancelSub(ctx, env, s.key, fmtDate(again))
		if err != nil {
			return unexpected(env, nil, sent, "success, with the same cancelled subscription", err)
		}
		if diff := diffSubs(first, got); diff != "" {
			return grader.Fail(sent, "the subscription as the first cancel left it: "+describe(first), "%s: %s", describe(got), diff)
		}
	}
	if err := expectStored(ctx, env, s.key, first, "after three cancels"); err != nil {
		return err
	}
	sent := fmt.Sprintf("CancelSubscription %s three times (dates %s, %s, %s)", s.key, fmtDate(d), fmtDate(d), fmtDate(other))
	e := effectsOf(env, s)
	if err := expectMoney(sent, "only the first cancel refunds: "+explainRefund(s.bill, d), e.since(before), 0, s.bill.cancelRefund(d)); err != nil {
		return withHint(err, "check the stored status first: a cancelled subscription is returned as it is, without another refund")
	}
	return expectEmails(sent, "the welcome email and one cancellation email", e.emails, 2, s.email)
}

// cancelCrashed crashes the first cancel attempt just before it completes.
func cancelCrashed(ctx context.Context, env *grader.Env) error {
	s := newSubject(env, randomDayPlan(env.Rand))
	if err := createSubject(ctx, env, s); err != nil {
		return err
	}
	d := dayInPeriod(env.Rand, s.bill, 0)
	crash := env.ArmCrash(target(s.key, ex4.CancelSubscription), proxy.CrashBeforeCompletion, 1)
	defer crash.Disarm()
	sent := describeCancel(s.key, d) + ", with the first attempt crashed just before it completed (Restate retries it)"
	if _, err := cancelOnce(ctx, env, s, d, sent); err != nil {
		return withHint(err, "the refund ran again when Restate retried CancelSubscription: wrap fixtures.Refund in restate.Run")
	}
	return crash.Check()
}

// cancelConcurrently sends several cancels for one subscription at once.
func cancelConcurrently(ctx context.Context, env *grader.Env) error {
	s := newSubject(env, randomDayPlan(env.Rand))
	if err := createSubject(ctx, env, s); err != nil {
		return err
	}
	d := dayInPeriod(env.Rand, s.bill, 0)
	before := effectsOf(env, s)
	sent := fmt.Sprintf("%d concurrent %s", concurrentCancels, describeCancel(s.key, d))
	env.Step("%s", sent)
	got := make([]ex4.Subscription, concurrentCancels)
	err := grader.Concurrently(ctx, concurrentCancels, func(ctx context.Context, i int) error {
		var err error
		got[i], err = cancelSub(ctx, env, s.key, fmtDate(d))
		return err
	})
	if err != nil {
		return unexpected(env, s, sent, "every cancel succeeds with the cancelled subscription", err)
	}
	want := cancelled(s.sub, d)
	for i := range got {
		if diff := diffSubs(want, got[i]); diff != "" {
			return grader.Fail(sent, "every cancel returns the cancelled subscription: "+describe(want), "call %d returned %s: %s", i+1, describe(got[i]), diff)
		}
	}
	return expectMoney(sent, "one refund: "+explainRefund(s.bill, d), effectsOf(env, s).since(before), 0, s.bill.cancelRefund(d))
}

// cancelUnknown cancels a subscription that was never created: 404, nothing stored.
func cancelUnknown(ctx context.Context, env *grader.Env) error {
	key := env.NewKey(ex4.ServiceName, "sub")
	d := dayIn(env.Rand, time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC), 365)
	sent := describeCancel(key, d) + " (a subscription that was never created)"
	env.Step("%s", sent)
	got, err := cancelSub(ctx, env, key, fmtDate(d))
	if grader.Code(err) != 404 {
		return unexpectedCode(sent, "a terminal 404 error", got, err)
	}
	env.Step("GetSubscription %s", key)
	got, err = getSub(ctx, env, key)
	if grader.Code(err) != 404 {
		return unexpectedCode(sent+", then GetSubscription", "404: cancelling must not create a subscription", got, err)
	}
	return nil
}
