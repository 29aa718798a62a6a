package ex4

import (
	"context"
	"fmt"
	"time"

	"idempotency/contract/ex4"
	"idempotency/grader"
	"idempotency/grader/internal/proxy"
)

const concurrentCancels = 3

func cancelIdempotent() grader.Scenario {
	return grader.Scenario{
		ID:     "cancel-idempotent",
		Title:  "Cancellation is idempotent",
		Points: 20,
		Needs:  needs(ex4.CreateSubscription, ex4.CancelSubscription, ex4.GetSubscription),
		Hint: "CancelSubscription: unknown subscription -> terminal 404; already cancelled -> return it as it is, with no " +
			"second refund or email; otherwise refund the unused part of the period once, inside restate.Run: " +
			"price × days from the cancel date to the period's end / days in the period, rounded half up (README; TODO step 4)",
		// Generous: it shares the machine with the other scenarios, and a batch with other gradings.
		Timeout: 60 * time.Second,
		Run:     runCancelIdempotent,
	}
}

func runCancelIdempotent(ctx context.Context, env *grader.Env) error {
	made, err := cancelRepeated(ctx, env)
	if err != nil {
		return err
	}
	s, err := cancelCrashed(ctx, env)
	if err != nil {
		return err
	}
	made = append(made, s)
	if s, err = cancelConcurrently(ctx, env); err != nil {
		return err
	}
	made = append(made, s)
	key, err := cancelUnknown(ctx, env)
	if err != nil {
		return err
	}
	env.AfterRestart("the cancelled subscriptions", func(ctx context.Context) error {
		for _, s := range made {
			if err := cancelAgainAfterRestart(ctx, env, s); err != nil {
				return err
			}
			if err := readBack(ctx, env, s); err != nil {
				return err
			}
		}
		return expectNotFound(ctx, env, key, "CancelSubscription "+key+" on a subscription that was never created, then a restart", "cancelling must not create a subscription")
	})
	return nil
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
	s.sub = want
	s.refunded += s.bill.cancelRefund(d)
	s.emails++
	return got, nil
}

// cancelRepeated creates two subscriptions and cancels both, the newer on the last day
// of its period (one day's worth), then cancels each again, the older first, on the
// same date and on another, and creates the older again: nothing changes, nothing more
// is refunded or sent.
func cancelRepeated(ctx context.Context, env *grader.Env) ([]*subject, error) {
	older, newer := newSubject(env, randomDayPlan(env.Rand)), newSubject(env, randomDayPlan(env.Rand))
	for _, s := range []*subject{older, newer} {
		if err := createSubject(ctx, env, s); err != nil {
			return nil, err
		}
	}
	dOlder, dNewer := dayInPeriod(env.Rand, older.bill, 1), newer.bill.lastDay()
	if _, err := cancelOnce(ctx, env, older, dOlder, describeCancel(older.key, dOlder)); err != nil {
		return nil, err
	}
	if _, err := cancelOnce(ctx, env, newer, dNewer, describeCancel(newer.key, dNewer)+" (the last day of its period: one day's worth)"); err != nil {
		return nil, withHint(err, "on the last day of the period one day is unused: days(date, periodEnd) counts the cancel day itself")
	}
	for _, s := range []*subject{older, newer} {
		d := s.sub.EndDate
		other := laterDay(s)
		for _, again := range []time.Time{d, other} {
			sent := describeCancel(s.key, again) + " on the subscription cancelled already on " + fmtDate(d)
			env.Step("%s", sent)
			got, err := cancelSub(ctx, env, s.key, fmtDate(again))
			if err != nil {
				return nil, unexpected(env, nil, sent, "success, with the same cancelled subscription", err)
			}
			if diff := diffSubs(s.sub, got); diff != "" {
				return nil, grader.Fail(sent, "the subscription as the first cancel left it: "+describe(s.sub), "%s: %s", describe(got), diff).
					WithHint("a cancelled subscription is returned as it is: the first cancellation's date stands")
			}
		}
		sent := fmt.Sprintf("CancelSubscription %s three times (dates %s, %s, %s)", s.key, fmtDate(d), fmtDate(d), fmtDate(other))
		if err := expectTotals(env, s, sent); err != nil {
			return nil, withHint(err, "check the stored status first: a cancelled subscription is returned as it is, without another refund or email")
		}
	}
	if err := createCancelled(ctx, env, older); err != nil {
		return nil, err
	}
	for _, s := range []*subject{older, newer} {
		if err := expectStored(ctx, env, s.key, s.sub, "after the repeated cancels"); err != nil {
			return nil, err
		}
	}
	return []*subject{older, newer}, nil
}

// createCancelled sends CreateSubscription for the cancelled s, with its own body: the
// cancelled subscription comes back as it is, whatever its status, and nothing is
// charged or sent.
func createCancelled(ctx context.Context, env *grader.Env, s *subject) error {
	sent := "the same " + s.describeReq() + " again, on the subscription cancelled on " + fmtDate(s.sub.EndDate)
	env.Step("%s", sent)
	got, err := createSub(ctx, env, s.key, s.request())
	if err != nil {
		return unexpected(env, s, sent, "the cancelled subscription, as it is: "+describe(s.sub), err)
	}
	if d := diffSubs(s.sub, got); d != "" {
		return grader.Fail(sent, "the cancelled subscription, as it is: "+describe(s.sub), "%s: %s", describe(got), d).
			WithHint("CreateSubscription on an existing subscription returns it as stored, whatever its status: a cancelled one is not created again")
	}
	return withHint(expectTotals(env, s, sent),
		"CreateSubscription on an existing subscription, cancelled or not, never charges, stores or emails again")
}

// cancelCrashed crashes the first cancel attempt just before it completes, on a day
// whose refund is exactly half a cent above a whole number of cents.
func cancelCrashed(ctx context.Context, env *grader.Env) (*subject, error) {
	s, d := halfCentSubject(env)
	if err := createSubject(ctx, env, s); err != nil {
		return nil, err
	}
	crash := env.ArmCrash(target(s.key, ex4.CancelSubscription), proxy.CrashBeforeCompletion, 1)
	defer crash.Disarm()
	sent := describeCancel(s.key, d) + " (a refund of exactly half a cent more than an even number of cents, which rounds up), " +
		"with the first attempt crashed just before it completed (Restate retries it)"
	if _, err := cancelOnce(ctx, env, s, d, sent); err != nil {
		if e := effectsOf(env, s); len(e.refunds) == 1 && e.refunds.TotalAmount() == s.bill.cancelRefund(d)-1 {
			return nil, withHint(err, "round half up: prorate(amount, unused, total) = (2·amount·unused + total) / (2·total) in integers; "+
				"amount·unused/total alone truncates")
		}
		return nil, withHint(err, "the refund ran again when Restate retried CancelSubscription: wrap fixtures.Refund in restate.Run")
	}
	if err := expectTotals(env, s, sent); err != nil {
		return nil, withHint(err, "the cancellation email went out again when Restate retried CancelSubscription: send it inside restate.Run")
	}
	return s, crashFired(crash, sent)
}

// cancelConcurrently sends several cancels for one subscription at once, on the first
// day of its period: everything is refunded.
func cancelConcurrently(ctx context.Context, env *grader.Env) (*subject, error) {
	s := newSubject(env, randomDayPlan(env.Rand))
	if err := createSubject(ctx, env, s); err != nil {
		return nil, err
	}
	d := s.bill.start
	before := effectsOf(env, s)
	sent := fmt.Sprintf("%d concurrent %s (the first day of the period: a full refund)", concurrentCancels, describeCancel(s.key, d))
	env.Step("%s", sent)
	got := make([]ex4.Subscription, concurrentCancels)
	err := grader.Concurrently(ctx, concurrentCancels, func(ctx context.Context, i int) error {
		var err error
		got[i], err = cancelSub(ctx, env, s.key, fmtDate(d))
		return err
	})
	if err != nil {
		return nil, unexpected(env, s, sent, "every cancel succeeds with the cancelled subscription", err)
	}
	want := cancelled(s.sub, d)
	for i := range got {
		if diff := diffSubs(want, got[i]); diff != "" {
			return nil, grader.Fail(sent, "every cancel returns the cancelled subscription: "+describe(want), "call %d returned %s: %s", i+1, describe(got[i]), diff)
		}
	}
	if err := expectMoney(sent, "one refund: "+explainRefund(s.bill, d), effectsOf(env, s).since(before), 0, s.bill.cancelRefund(d)); err != nil {
		return nil, withHint(err, "on the first day of the period every day is unused: the whole price goes back, once")
	}
	s.sub = want
	s.refunded += s.bill.cancelRefund(d)
	s.emails++
	return s, expectTotals(env, s, sent)
}

// cancelUnknown cancels a subscription that was never created: 404, nothing stored.
func cancelUnknown(ctx context.Context, env *grader.Env) (string, error) {
	key := env.NewKey(ex4.ServiceName, "sub")
	d := dayIn(env.Rand, time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC), 365)
	sent := describeCancel(key, d) + " (a subscription that was never created)"
	env.Step("%s", sent)
	got, err := cancelSub(ctx, env, key, fmtDate(d))
	if grader.Code(err) != 404 {
		return "", unexpectedCode(sent, "a terminal 404 error", got, err)
	}
	return key, expectNotFound(ctx, env, key, sent, "cancelling must not create a subscription")
}

// crashFired is crash.Check in the learner's words: a crash armed for a call that
// succeeded but never fired means the call never reached the point it was armed for.
func crashFired(c *grader.Crash, sent string) error {
	if err := c.Check(); err != nil {
		return grader.Fail(sent, "the crash the grader armed fires on the handler's attempt", "%v", err)
	}
	return nil
}
