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
		Hint: "store the subscription only after the charge succeeded, and keep every payment inside restate.Run, so that a " +
			"retry or a restarted process resumes where it stopped: an active subscription is charged exactly once, a " +
			"cancelled one refunded exactly once, and a declined card leaves no active subscription behind (TODO steps 1 and 4)",
		// It kills the service process.
		Exclusive: true,
		Timeout:   60 * time.Second,
		Run:       runStateConsistent,
	}
}

func runStateConsistent(ctx context.Context, env *grader.Env) error {
	if err := declinedCard(ctx, env); err != nil {
		return err
	}
	s := newSubject(env, randomDayPlan(env.Rand))
	if err := createKilledAfterCharge(ctx, env, s); err != nil {
		return err
	}
	return cancelKilledAfterRefund(ctx, env, s)
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
		return grader.Fail(sent, fmt.Sprintf("a %s subscription, charged once and refunded %d time(s)", status, refunds),
			"GetSubscription says %q; the payment gateway saw %d charge(s) and %d refund(s):\n%s",
			got.Status, len(e.charges), len(e.refunds), e.payments())
	}
	return nil
}

// declinedCard creates a subscription whose charge is declined: an error, and no
// active subscription.
func declinedCard(ctx context.Context, env *grader.Env) error {
	s := newSubjectFor(env, randomDayPlan(env.Rand), world.NewDecliningCustomerID(env.Rand))
	s.key = env.NewKey(ex4.ServiceName, "sub")
	sent := s.describeReq() + " (the customer's card is declined)"
	env.Step("%s", sent)
	got, err := createSub(ctx, env, s.key, s.request())
	if code := grader.Code(err); code < 400 || code > 499 {
		return withHint(unexpectedCode(sent, "a terminal 4xx error (402 payment required, say): the payment failed", got, err),
			"a permanent payment error (errors.Is(err, fixtures.ErrPermanent)) must end the call with a terminal error, "+
				"not be retried and not leave a subscription behind")
	}
	if e := effectsOf(env, s); len(e.emails) > 0 {
		return grader.Fail(sent, "no welcome email: there is no subscription", "the SMTP gateway delivered:\n%s", indent(e.emails.String()))
	}
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
		return fmt.Errorf("the payment gateway timeouts for %s fired %d times, want 2", s.customer, n)
	}
	return nil
}

// cancelKilledAfterRefund fails the refund once, then kills the service while the
// cancellation email, the next effect after the refund, is held at the gateway.
func cancelKilledAfterRefund(ctx context.Context, env *grader.Env, s *subject) error {
	charges := effectsOf(env, s).charges
	if len(charges) != 1 {
		return fmt.Errorf("expected the one charge of %s, saw %d", s.key, len(charges))
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
		return fmt.Errorf("the refund timeout for charge %s fired %d times, want 1", chargeID, n)
	}
	return nil
}
