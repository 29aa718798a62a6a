package ex4

import (
	"context"
	"fmt"
	"time"

	"idempotency/contract/ex4"
	"idempotency/fixtures/world"
	"idempotency/grader"
)

func stateConsistent() grader.Scenario {
	return grader.Scenario{
		ID:     "state-consistent",
		Title:  "State is always consistent",
		Points: 20,
		Needs:  needs(ex4.CreateSubscription, ex4.CancelSubscription, ex4.GetSubscription),
		Hint: "store the subscription only after the charge succeeded, and keep every payment inside restate.Run, so that a " +
			"retry or a restarted process resumes where it stopped: an active subscription is charged exactly once, a " +
			"cancelled one refunded exactly once, and a declined card leaves no active subscription behind (TODO steps 1 and 4)",
		// It kills the service process.
		Exclusive: true,
		Timeout:   90 * time.Second,
		Run:       runStateConsistent,
	}
}

func runStateConsistent(ctx context.Context, env *grader.Env) error {
	// Older subscriptions, one active and one cancelled, stored before the restarts below.
	active, cancelledOne := newSubject(env, randomDayPlan(env.Rand)), newSubject(env, randomDayPlan(env.Rand))
	for _, s := range []*subject{active, cancelledOne} {
		if err := createSubject(ctx, env, s); err != nil {
			return err
		}
	}
	d := dayInPeriod(env.Rand, cancelledOne.bill, 0)
	env.Step("%s", describeCancel(cancelledOne.key, d))
	if _, err := cancelSub(ctx, env, cancelledOne.key, fmtDate(d)); err != nil {
		return unexpected(env, cancelledOne, describeCancel(cancelledOne.key, d), "the cancelled subscription", err)
	}
	declined, err := declinedCard(ctx, env)
	if err != nil {
		return err
	}
	s := newSubject(env, randomDayPlan(env.Rand))
	if err := createKilledAfterCharge(ctx, env, s); err != nil {
		return err
	}
	if err := cancelKilledAfterRefund(ctx, env, s); err != nil {
		return err
	}

	// Everything stored before the process was killed and started again is read back.
	const after = ", then your service process was killed and started again (twice)"
	if err := expectConsistent(ctx, env, active, ex4.StatusActive, active.describeReq()+after); err != nil {
		return err
	}
	if err := expectConsistent(ctx, env, cancelledOne, ex4.StatusCancelled, describeCancel(cancelledOne.key, d)+after); err != nil {
		return err
	}
	return expectNotActive(ctx, env, declined, declined.describeReq()+" (the customer's card is declined)"+after)
}

// expectConsistent reads s with GetSubscription and compares its status with what the
// payment gateway saw: active <-> charged once, nothing refunded; cancelled <-> charged
// once and refunded once.
func expectConsistent(ctx context.Context, env *grader.Env, s *subject, status, sent string) error {
	env.Step("GetSubscription %s, and its payments", s.key)
	got, err := getSub(ctx, env, s.key)
	if err != nil {
		return unexpected(env, nil, sent+", then GetSubscription", "the "+status+" subscription", err)
	}
	e := effectsOf(env, s)
	refunds := 0
	if status == ex4.StatusCancelled {
		refunds = 1
	}
	if got.Status != status || len(e.charges) != 1 || len(e.refunds) != refunds {
		f := grader.Fail(sent, fmt.Sprintf("a %s subscription, charged once and refunded %d time(s)", status, refunds),
			"GetSubscription says %q; the payment gateway saw %d charge(s) and %d refund(s):\n%s",
			got.Status, len(e.charges), len(e.refunds), e.payments())
		if got.Status != status {
			f.Hint = "store the status in Restate's state in the same handler as the payment, after it: the status and the " +
				"payments must agree, after a restart too"
		}
		return f
	}
	return nil
}

// declinedCard creates a subscription whose charge is declined: an error, and no
// active subscription.
func declinedCard(ctx context.Context, env *grader.Env) (*subject, error) {
	s := newSubjectFor(env, randomDayPlan(env.Rand), world.NewDecliningCustomerID(env.Rand))
	s.key = env.NewKey(ex4.ServiceName, "sub")
	sent := s.describeReq() + " (the customer's card is declined)"
	env.Step("%s", sent)
	got, err := createSub(ctx, env, s.key, s.request())
	if code := grader.Code(err); code < 400 || code > 499 {
		return nil, withHint(unexpected4xx(env, s, sent, got, err),
			"a permanent payment error (errors.Is(err, fixtures.ErrPermanent)) must end the call with a terminal error, "+
				"restate.ToTerminalError(err, restate.WithErrorCode(402)): a plain error is retried by Restate, and no retry can "+
				"make a declined card pay")
	}
	if e := effectsOf(env, s); len(e.emails) > 0 {
		return nil, grader.Fail(sent, "no welcome email: there is no subscription", "the SMTP gateway delivered:\n%s", indent(e.emails.String()))
	}
	return s, expectNotActive(ctx, env, s, sent)
}

// unexpected4xx reports an answer to a declined card that is not a terminal 4xx error.
func unexpected4xx(env *grader.Env, s *subject, sent string, got ex4.Subscription, err error) error {
	const expected = "a terminal 4xx error (402 payment required, say): the payment failed"
	if err == nil || grader.IsHarness(err) {
		return unexpectedCode(sent, expected, got, err)
	}
	return unexpected(env, s, sent, expected, err)
}

// expectNotActive checks that the declined subscription s is not active.
func expectNotActive(ctx context.Context, env *grader.Env, s *subject, sent string) error {
	env.Step("GetSubscription %s", s.key)
	stored, err := getSub(ctx, env, s.key)
	if grader.IsHarness(err) {
		return err
	}
	if err == nil && stored.Status == ex4.StatusActive {
		return grader.Fail(sent+", then GetSubscription", "404 (or any status but active): the customer was never charged",
			"an active subscription: %s", describe(stored)).
			WithHint("charge before you store the subscription, and store nothing when the charge fails")
	}
	return nil
}

// createKilledAfterCharge fails the charge twice (transiently), then kills the service
// while the welcome email, the next effect after the charge, is held at the gateway.
func createKilledAfterCharge(ctx context.Context, env *grader.Env, s *subject) error {
	failing := env.World.On(chargesOf(s.customer)...).FailNext(2)
	defer failing.Remove()
	sent := s.describeReq() + ", with the payment gateway timing out twice, then the service process killed after the charge " +
		"(while the welcome email was on its way) and started again"
	env.Step("%s", sent)
	var got ex4.Subscription
	err := env.KillWhileParked(ctx, func(ctx context.Context) error {
		var err error
		got, err = createSub(ctx, env, s.key, s.request())
		return err
	}, smtpTo(s.email)...)
	if err := failureOrUnexpected(env, s, sent, "the new subscription", err); err != nil {
		return withHint(err, "the subscription must survive a restart between its steps: keep every effect inside restate.Run")
	}
	if d := checkCreated(s, got); d != "" {
		return grader.Fail(sent, "an active subscription with the request's customer, plan and start date", "%s: %s", describe(got), d)
	}
	s.sub = got
	if err := expectConsistent(ctx, env, s, ex4.StatusActive, sent); err != nil {
		return withHint(err, "the charge ran again after the process restarted: wrap fixtures.Charge in restate.Run, so the "+
			"retry replays its recorded result")
	}
	if n := failing.Fired(); n != 2 {
		return grader.Fail(sent, "two charge attempts that time out (the grader's), then one that goes through",
			"the payment gateway saw %d attempt(s) for %s that the timeouts applied to", n, s.customer)
	}
	return nil
}

// cancelKilledAfterRefund fails the refund once, then kills the service while the
// cancellation email, the next effect after the refund, is held at the gateway.
func cancelKilledAfterRefund(ctx context.Context, env *grader.Env, s *subject) error {
	charges := effectsOf(env, s).charges
	if len(charges) != 1 {
		return grader.Fail(s.describeReq(), "one charge", "%d charges:\n%s", len(charges), indent(charges.String()))
	}
	chargeID := charges[0].Result
	failing := env.World.On(world.Gateway(world.Refund), world.Arg(world.ArgChargeID, chargeID)).FailNext(1)
	defer failing.Remove()

	d := dayInPeriod(env.Rand, s.bill, 2)
	sent := describeCancel(s.key, d) + ", with the refund timing out once, then the service process killed after the refund " +
		"(while the cancellation email was on its way) and started again"
	env.Step("%s", sent)
	err := env.KillWhileParked(ctx, func(ctx context.Context) error {
		_, err := cancelSub(ctx, env, s.key, fmtDate(d))
		return err
	}, smtpTo(s.email)...)
	if err := failureOrUnexpected(env, s, sent, "the cancelled subscription", err); err != nil {
		return withHint(err, "the cancellation must survive a restart between its steps: keep every effect inside restate.Run")
	}
	if err := expectConsistent(ctx, env, s, ex4.StatusCancelled, sent); err != nil {
		return withHint(err, "the refund ran again after the process restarted, or the cancellation was not stored: wrap "+
			"fixtures.Refund in restate.Run and store the cancelled status in the same handler")
	}
	if n := failing.Fired(); n != 1 {
		return grader.Fail(sent, "one refund attempt that times out (the grader's), then one that goes through",
			"the payment gateway saw %d refund attempt(s) of charge %s that the timeout applied to", n, chargeID)
	}
	return nil
}
