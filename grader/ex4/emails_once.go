package ex4

import (
	"context"
	"fmt"
	"time"

	"idempotency/contract/ex4"
	"idempotency/grader"
	"idempotency/grader/internal/proxy"
)

func emailsOnce() grader.Scenario {
	return grader.Scenario{
		ID:     "emails-once",
		Title:  "All emails sent exactly once",
		Points: 20,
		Needs:  needs(ex4.CreateSubscription, ex4.UpdatePlan, ex4.CancelSubscription, ex4.GetSubscription),
		Hint: "send every email (welcome, plan change, cancellation) inside restate.Run: after a crash Restate replays a " +
			"recorded run instead of running it again, while a direct fixtures.SendEmailViaSMTP call runs again on every retry " +
			"(TODO steps 2, 4 and 5)",
		// It kills the service process.
		Exclusive: true,
		Timeout:   90 * time.Second,
		Run:       runEmailsOnce,
	}
}

func runEmailsOnce(ctx context.Context, env *grader.Env) error {
	basic, pro := basicMonthly, proMonthly
	if env.Rand.IntN(2) == 1 {
		basic, pro = basicYearly, proYearly
	}
	older := newSubject(env, pro)

	// The welcome email, with CreateSubscription crashed just before it completed.
	crash := env.ArmCrash(target(older.key, ex4.CreateSubscription), proxy.CrashBeforeCompletion, 1)
	defer crash.Disarm()
	sent := older.describeReq() + ", with the first attempt crashed just before it completed (Restate retries it)"
	if err := createSubjectAs(ctx, env, older, sent); err != nil {
		return err
	}
	if err := expectEmails(sent, "one welcome email", effectsOf(env, older).emails, 1, older.email); err != nil {
		return err
	}
	if err := crashFired(crash, sent); err != nil {
		return err
	}

	// A newer subscription, so that the duplicates below hit an older one too.
	newer := newSubject(env, randomDayPlan(env.Rand))
	if err := createSubject(ctx, env, newer); err != nil {
		return err
	}

	// The plan change email, with UpdatePlan crashed just before it completed. A
	// downgrade: its refund and the cancel's come from the first charge.
	d := dayInPeriod(env.Rand, older.bill, 1)
	crash = env.ArmCrash(target(older.key, ex4.UpdatePlan), proxy.CrashBeforeCompletion, 1)
	defer crash.Disarm()
	sent = describeUpdate(older.key, basic, d) + ", with the first attempt crashed just before it completed"
	env.Step("%s", sent)
	got, err := updatePlan(ctx, env, older.key, basic, fmtDate(d))
	if err != nil {
		return unexpected(env, older, sent, "the subscription on plan "+basic, err)
	}
	older.sub = got
	older.emails++
	if err := expectEmails(sent, "the welcome email, then one plan change email", effectsOf(env, older).emails, older.emails, older.email); err != nil {
		return withHint(err, "send one email per real plan change, inside restate.Run")
	}
	if err := crashFired(crash, sent); err != nil {
		return err
	}

	// The cancellation email, with the attempt crashed right after the email was recorded.
	if err := cancelCrashedAfterEmail(ctx, env, older, d.AddDate(0, 0, 1)); err != nil {
		return err
	}
	if err := cancelForEmail(ctx, env, newer, dayInPeriod(env.Rand, newer.bill, 1)); err != nil {
		return err
	}

	// A new subscription's welcome email, with the process killed while it was on its
	// way: a restart, after which the older subscriptions' duplicates send nothing.
	killed, err := createKilledDuringWelcome(ctx, env)
	if err != nil {
		return err
	}
	for _, s := range []*subject{older, newer, killed} {
		if err := duplicatesSendNothing(ctx, env, s); err != nil {
			return err
		}
	}
	return nil
}

// cancelForEmail cancels s on d: one cancellation email.
func cancelForEmail(ctx context.Context, env *grader.Env, s *subject, d time.Time) error {
	sent := describeCancel(s.key, d)
	env.Step("%s", sent)
	got, err := cancelSub(ctx, env, s.key, fmtDate(d))
	if err != nil {
		return unexpected(env, s, sent, "the cancelled subscription", err)
	}
	s.sub = got
	s.emails++
	return expectEmails(sent, "the welcome email, then one cancellation email", effectsOf(env, s).emails, s.emails, s.email)
}

// duplicatesSendNothing repeats s's create (and its cancel, when it is cancelled) after
// the service process was restarted: no email more.
func duplicatesSendNothing(ctx context.Context, env *grader.Env, s *subject) error {
	var cancelled string
	if s.sub.Status == ex4.StatusCancelled {
		d := laterDay(s)
		cancelled = describeCancel(s.key, d) + " again (the subscription is cancelled already)"
		sent := cancelled + ", after your service process was restarted"
		env.Step("%s", sent)
		if _, err := cancelSub(ctx, env, s.key, fmtDate(d)); err != nil {
			return unexpected(env, nil, sent, "the cancelled subscription, and no email", err)
		}
	}
	sent := "the same " + s.describeReq() + " again, after your service process was restarted"
	env.Step("%s", sent)
	if _, err := createSub(ctx, env, s.key, s.request()); err != nil {
		return unexpected(env, nil, sent, "the stored subscription, and no email", err)
	}
	if cancelled != "" {
		sent = cancelled + ", then " + sent
	}
	return withHint(expectEmails(sent, "no email more than before the restart", effectsOf(env, s).emails, s.emails, s.email),
		"remember what was sent in Restate's state, not in a Go variable: a restarted process forgets its variables, and a "+
			"duplicate must still find the subscription and send nothing; a cancel of a cancelled subscription returns it unchanged, "+
			"with no email")
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
		s.sub.Status, s.sub.EndDate = ex4.StatusCancelled, d
		s.emails++
		return expectEmails(describeCancel(s.key, d), "the welcome, plan change and cancellation emails", effectsOf(env, s).emails, s.emails, s.email)
	}
	crash, err := armAfterRun(ctx, env, s.key)
	if err != nil {
		return err
	}
	defer crash.Disarm()
	if err := env.World.Release(ref); err != nil {
		return fmt.Errorf("release the parked email: %w", err)
	}
	if _, err := b.wait(ctx); err != nil {
		return unexpected(env, s, sent, "the cancelled subscription", err)
	}
	s.sub.Status, s.sub.EndDate = ex4.StatusCancelled, d
	s.emails++
	if err := expectEmails(sent, "the welcome, plan change and cancellation emails", effectsOf(env, s).emails, s.emails, s.email); err != nil {
		return err
	}
	if crash.Fired() == 0 {
		return grader.Fail(sent, "the cancellation email sent inside restate.Run, so that Restate records it",
			"the email was delivered, but no journaled step completed after it, neither in CancelSubscription nor in a service it called: "+
				"it was sent outside restate.Run, and a crash at that point would send it again")
	}
	return nil
}

// createKilledDuringWelcome kills the service process while the welcome email of a new
// subscription is held at the gateway, after the charge, and starts it again.
func createKilledDuringWelcome(ctx context.Context, env *grader.Env) (*subject, error) {
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
		return nil, withHint(err, "send the welcome email inside restate.Run")
	}
	if d := checkCreated(s, got); d != "" {
		return nil, grader.Fail(sent, "an active subscription with the request's customer, plan and start date", "%s: %s", describe(got), d)
	}
	s.sub = got
	s.charged, s.emails = s.plan.Price, 1
	return s, expectEmails(sent, "one welcome email", effectsOf(env, s).emails, 1, s.email)
}
