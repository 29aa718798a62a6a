package ex4

import (
	"context"
	"fmt"
	"strings"
	"time"

	"idempotency/contract/ex4"
	"idempotency/fixtures/world"
	"idempotency/grader"
	"idempotency/grader/admin"
	"idempotency/grader/proxy"
)

// renewalsBeforeCancel is how many renewals the scenario waits for before it cancels.
const renewalsBeforeCancel = 3

// idleDeadline bounds the wait, after the cancel, for the subscription's last scheduled
// Renew to run and find it cancelled: generous, because a loaded machine delays it, and
// a charge after the cancel ends the wait at once anyway.
const idleDeadline = 10 * time.Second

func renewal() grader.Scenario {
	return grader.Scenario{
		ID:     "renewal",
		Title:  "Automatic renewal on the fast test cycle",
		Points: 10,
		Bonus:  true,
		Hint: "CreateSubscription on fast-test schedules Renew{period: 2} with restate.ObjectSend(...).Send(req, " +
			"restate.WithDelay(ex4.TestCycle)); Renew charges its period once, inside restate.Run, described by " +
			"ex4.PeriodChargeDescription, then schedules the next period; on a cancelled subscription it does nothing " +
			"and schedules nothing (TODO bonus)",
		Timeout: 45 * time.Second,
		Run:     runRenewal,
	}
}

func runRenewal(ctx context.Context, env *grader.Env) error {
	s := newSubject(env, fastTest)
	crashBefore := env.ArmCrash(target(s.key, ex4.Renew), proxy.CrashBeforeCompletion, 1)
	defer crashBefore.Disarm()
	defer killLeftovers(env, s.key)
	if err := createSubject(ctx, env, s); err != nil {
		return err
	}
	delivered := append(chargesOf(s.customer), func(c world.Call) bool { return c.Delivered })
	sent := fmt.Sprintf("%s, then waiting %d test cycles (%s each) for renewals; the first Renew attempt crashed just before it completed, "+
		"a later one right after its charge was recorded", s.describeReq(), renewalsBeforeCancel, ex4.TestCycle)

	// Period 2: the first renewal, crashed before completion.
	wctx, cancel := context.WithTimeout(ctx, (renewalsBeforeCancel+4)*ex4.TestCycle+5*time.Second)
	defer cancel()
	env.Step("wait for the first renewal charge")
	if _, err := env.World.WaitCalls(wctx, 2, delivered...); err != nil {
		return noRenewal(env, s, sent, "a renewal charge one test cycle after the subscription started")
	}

	// A later renewal: crash right after its charge's run was recorded.
	park := env.World.On(chargesOf(s.customer)...).Times(1).Park()
	defer park.Remove()
	defer env.World.ReleaseAll(chargesOf(s.customer)...)
	env.Step("hold the next renewal charge, arm a crash after it is recorded, release it")
	ref, err := env.World.WaitParked(wctx, chargesOf(s.customer)...)
	if err != nil {
		return noRenewal(env, s, sent, "a second renewal charge")
	}
	// Period 3 is scheduled only once period 2's Renew has completed, so the first crash
	// has happened by now.
	if err := crashBefore.Check(); err != nil {
		return err
	}
	crashAfter := env.ArmCrash(target(s.key, ex4.Renew), proxy.CrashAfterRunRecorded, 1)
	if err := env.World.Release(ref); err != nil {
		return fmt.Errorf("release the parked renewal charge: %w", err)
	}

	env.Step("wait for %d renewal charges", renewalsBeforeCancel)
	if _, err := env.World.WaitCalls(wctx, 1+renewalsBeforeCancel, delivered...); err != nil {
		return noRenewal(env, s, sent, fmt.Sprintf("%d renewal charges", renewalsBeforeCancel))
	}
	if err := expectPeriods(env, s, sent); err != nil {
		return err
	}
	if err := crashAfter.Check(); err != nil {
		return err
	}
	return cancelStopsRenewals(ctx, env, s)
}

// expectPeriods checks that every renewal charge so far is a new period: 2, 3, 4, ...
// each once, each the plan's price.
func expectPeriods(env *grader.Env, s *subject, sent string) error {
	charges := effectsOf(env, s).charges
	expected := fmt.Sprintf("after the first charge, one charge of %d cents per period, described as %q, %q, ... in order",
		s.plan.Price, ex4.PeriodChargeDescription(s.key, 2), ex4.PeriodChargeDescription(s.key, 3))
	for i, c := range charges[1:] {
		want := i + 2
		period, ok := ex4.PeriodOf(c.Arg(world.ArgDescription), s.key)
		switch {
		case !ok:
			return grader.Fail(sent, expected, "charge %s has description %q:\n%s", c.Result, c.Arg(world.ArgDescription), indent(charges.String())).
				WithHint("describe each renewal charge with ex4.PeriodChargeDescription(subscriptionID, period), so that the grader can tell the periods apart")
		case period < want:
			return grader.Fail(sent, expected, "period %d was charged more than once:\n%s", period, indent(charges.String())).
				WithHint("a renewal was charged again when Restate retried Renew: charge inside restate.Run, and make Renew do nothing for a period already charged")
		case period != want || c.Amount() != s.plan.Price:
			return grader.Fail(sent, expected, "charge %s is for period %d, %d cents; expected period %d, %d cents:\n%s",
				c.Result, period, c.Amount(), want, s.plan.Price, indent(charges.String()))
		}
	}
	return nil
}

// cancelStopsRenewals cancels the subscription and watches it for at least a cycle and
// a half: no charge may follow, and no invocation may stay scheduled.
func cancelStopsRenewals(ctx context.Context, env *grader.Env, s *subject) error {
	sent := describeCancel(s.key, s.start) + " after the renewals"
	env.Step("%s", sent)
	got, err := cancelSub(ctx, env, s.key, fmtDate(s.start))
	if err != nil {
		return unexpected(env, nil, sent, "the cancelled subscription", err)
	}
	if got.Status != ex4.StatusCancelled {
		return grader.Fail(sent, "status \"cancelled\"", "%s", describe(got))
	}
	before := effectsOf(env, s)
	cancelledAt := time.Now()
	env.Step("watch %s for renewals after the cancel", s.key)
	chargedAgain := func() bool { return len(effectsOf(env, s).since(before).charges) > 0 }
	pending, err := waitIdle(ctx, env, s.key, chargedAgain, cancelledAt.Add(3*ex4.TestCycle/2), cancelledAt.Add(idleDeadline))
	if err != nil {
		return err
	}
	after := effectsOf(env, s).since(before).charges
	if len(after) > 0 {
		return grader.Fail(sent, "no charge after the cancel: renewals stop",
			"%d charge(s) after the cancel:\n%s", len(after), indent(after.String())).
			WithHint("Renew must read the subscription first and, when it is cancelled, neither charge nor schedule the next renewal")
	}
	if len(pending) > 0 {
		return grader.Fail(sent, "no renewal scheduled after the cancel",
			"%s after the cancel, these invocations are still pending: %s", idleDeadline, describeInvocations(pending)).
			WithHint("Renew on a cancelled subscription must not schedule the next renewal")
	}
	return expectStored(ctx, env, s.key, got, "after the renewals stopped")
}

// waitIdle waits until no invocation of key is unfinished or failed() says the verdict
// is in, but not before notBefore and not after deadline; it returns the unfinished
// invocations at the end.
func waitIdle(ctx context.Context, env *grader.Env, key string, failed func() bool, notBefore, deadline time.Time) ([]admin.Invocation, error) {
	for {
		invs, err := env.Admin.Invocations(ctx, ex4.ServiceName, key)
		if err != nil {
			return nil, err
		}
		var pending []admin.Invocation
		for _, inv := range invs {
			if inv.Status != "completed" {
				pending = append(pending, inv)
			}
		}
		now := time.Now()
		if ((len(pending) == 0 || failed()) && !now.Before(notBefore)) || !now.Before(deadline) {
			return pending, nil
		}
		select {
		case <-ctx.Done():
			return nil, ctx.Err()
		case <-time.After(100 * time.Millisecond):
		}
	}
}

func describeInvocations(invs []admin.Invocation) string {
	var parts []string
	for _, inv := range invs {
		parts = append(parts, fmt.Sprintf("%s/%s/%s (%s)", inv.Service, inv.Key, inv.Handler, inv.Status))
	}
	return strings.Join(parts, ", ")
}

// noRenewal reports renewals that did not come in time.
func noRenewal(env *grader.Env, s *subject, sent, expected string) error {
	charges := effectsOf(env, s).charges
	return grader.Fail(sent, expected, "the payment gateway charged %s %d time(s) in all:\n%s", s.customer, len(charges), indent(charges.String())).
		WithHint("CreateSubscription on a plan of the test cycle must schedule Renew{period: 2} one ex4.TestCycle later with " +
			"restate.ObjectSend(ctx, ex4.ServiceName, id, ex4.Renew).Send(req, restate.WithDelay(ex4.TestCycle)), and each Renew the next")
}

// killLeftovers stops renewals a broken submission keeps scheduling, so they do not run
// on for the rest of the grading.
func killLeftovers(env *grader.Env, key string) {
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	_, _ = env.Admin.KillUnfinished(ctx, ex4.ServiceName, key)
}
