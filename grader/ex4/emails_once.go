package ex4

import (
	"context"
	"fmt"
	"time"

	"idempotency/contract/ex4"
	"idempotency/grader"
	"idempotency/grader/proxy"
)

func emailsOnce() grader.Scenario {
	return grader.Scenario{
		ID:     "emails-once",
		Title:  "All emails sent exactly once",
		Points: 20,
		Hint: "send every email (welcome, plan change, cancellation) inside restate.Run: after a crash Restate replays a " +
			"recorded run instead of running it again, while a direct fixtures.SendEmailViaSMTP call runs again on every retry " +
			"(TODO steps 2, 4 and 5)",
		// It kills the service process.
		Exclusive: true,
		Timeout:   60 * time.Second,
		Run:       runEmailsOnce,
	}
}

func runEmailsOnce(ctx context.Context, env *grader.Env) error {
	basic, pro := basicMonthly, proMonthly
	if env.Rand.IntN(2) == 1 {
		basic, pro = basicYearly, proYearly
	}
	s := newSubject(env, basic)

	// The welcome email, with CreateSubscription crashed just before it completed.
	crash := env.ArmCrash(target(s.key, ex4.CreateSubscription), proxy.CrashBeforeCompletion, 1)
	defer crash.Disarm()
	sent := s.describeReq() + ", with the first attempt crashed just before it completed (Restate retries it)"
	if err := createSubjectAs(ctx, env, s, sent); err != nil {
		return err
	}
	if err := expectEmails(sent, "one welcome email", effectsOf(env, s).emails, 1, s.email); err != nil {
		return err
	}
	if err := crash.Check(); err != nil {
		return err
	}

	// The plan change email, with UpdatePlan crashed just before it completed.
	d := dayInPeriod(env.Rand, s.bill, 1)
	crash = env.ArmCrash(target(s.key, ex4.UpdatePlan), proxy.CrashBeforeCompletion, 1)
	defer crash.Disarm()
	sent = describeUpdate(s.key, pro, d) + ", with the first attempt crashed just before it completed"
	env.Step("%s", sent)
	if _, err := updatePlan(ctx, env, s.key, pro, fmtDate(d)); err != nil {
		return unexpected(env, s, sent, "the subscription on plan "+pro, err)
	}
	if err := expectEmails(sent, "the welcome email, then one plan change email", effectsOf(env, s).emails, 2, s.email); err != nil {
		return err
	}
	if err := crash.Check(); err != nil {
		return err
	}

	// The cancellation email, with the attempt crashed right after the email was recorded.
	if err := cancelCrashedAfterEmail(ctx, env, s, d.AddDate(0, 0, 1)); err != nil {
		return err
	}
	return createKilledDuringWelcome(ctx, env)
}

// cancelCrashedAfterEmail holds the cancellation email at the gateway, arms a crash for
// the next recorded run, and lets the email go: the attempt breaks right after the
// email's run was recorded.
func cancelCrashedAfterEmail(ctx context.Context, env *grader.Env, s *subject, d time.Time) error {
	park := env.World.On(smtpTo(s.email)...).Times(1).Park()
	defer park.Remove()
	defer env.World.ReleaseAll(smtpTo(s.email)...)
	sent := describeCancel(s.key, d) + ", with the attempt crashed right after the cancellation email was recorded"
	env.Step("%s", sent)
	b := inBackground(func() (ex4.Subscription, error) { return cancelSub(ctx, env, s.key, fmtDate(d)) })
	ref, parked, err := waitParked(ctx, env, b, smtpTo(s.email)...)
	if err != nil {
		return err
	}
	if !parked {
		if _, err := b.wait(ctx); err != nil {
			return unexpected(env, nil, describeCancel(s.key, d), "the cancelled subscription", err)
		}
		return expectEmails(describeCancel(s.key, d), "the welcome, plan change and cancellation emails", effectsOf(env, s).emails, 3, s.email)
	}
	crash := env.ArmCrash(target(s.key, ""), proxy.CrashAfterRunRecorded, 1)
	defer crash.Disarm()
	if err := env.World.Release(ref); err != nil {
		return fmt.Errorf("release the parked email: %w", err)
	}
	if _, err := b.wait(ctx); err != nil {
		return unexpected(env, s, sent, "the cancelled subscription", err)
	}
	if err := expectEmails(sent, "the welcome, plan change and cancellation emails", effectsOf(env, s).emails, 3, s.email); err != nil {
		return err
	}
	if crash.Fired() == 0 {
		return grader.Fail(sent, "the cancellation email sent inside restate.Run, so that Restate records it",
			"the email was delivered, but no journaled step of CancelSubscription completed after it: it was sent outside restate.Run, "+
				"and a crash at that point would send it again")
	}
	return nil
}

// createKilledDuringWelcome kills the service process while the welcome email of a new
// subscription is held at the gateway, after the charge, and starts it again.
func createKilledDuringWelcome(ctx context.Context, env *grader.Env) error {
	s := newSubject(env, randomDayPlan(env.Rand))
	sent := s.describeReq() + ", with the service process killed while the welcome email was on its way, then started again"
	env.Step("%s", sent)
	var got ex4.Subscription
	err := env.KillWhileParked(ctx, func(ctx context.Context) error {
		var err error
		got, err = createSub(ctx, env, s.key, s.request())
		return err
	}, smtpTo(s.email)...)
	if err := failureOrUnexpected(env, s, sent, "the new subscription: Restate retries CreateSubscription once the service is back", err); err != nil {
		return withHint(err, "send the welcome email inside restate.Run")
	}
	if d := checkCreated(s, got); d != "" {
		return grader.Fail(sent, "an active subscription with the request's customer, plan and start date", "%s: %s", describe(got), d)
	}
	return expectEmails(sent, "one welcome email", effectsOf(env, s).emails, 1, s.email)
}
