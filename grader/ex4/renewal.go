package ex4

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"
	"time"

	"idempotency/contract/ex4"
	"idempotency/fixtures/world"
	"idempotency/grader"
	"idempotency/grader/internal/admin"
	"idempotency/grader/internal/proxy"
)

// Renewals are judged by properties that hold however loaded the machine is, never by
// watching a fixed window:
//   - no renewal comes before its time: period k is charged at least k-1 test cycles
//     after the grader sent CreateSubscription (a delayed call never runs early);
//   - every period is charged once, in order;
//   - after a cancel is acknowledged, the Renew calls that were already scheduled run
//     (they must find the subscription cancelled), and then nothing of the subscription
//     is left scheduled and nothing more is charged: not while the grader watches both
//     subscriptions for cancelWatch after the second cancel, not until the read-back
//     after the restart.
//
// The waits for things that must happen (a renewal, a scheduled Renew that must settle)
// are deadlines, generous because a loaded machine delays timers; each ends as soon as
// its condition holds.

// renewalWait bounds each wait for a renewal, or for a Renew scheduled before a cancel to
// run: one test cycle is due, the rest is room for a loaded machine.
const renewalWait = 10 * time.Second

// cancelWatch is how long the grader watches both cancelled subscriptions once the Renew
// calls scheduled before their cancels have run: two test cycles. A renewal chain the
// grader cannot see among the subscription's invocations (a helper service that
// schedules itself) would fire within one cycle and charge within the next; what a
// loaded machine delays beyond that is caught by the check after the restart, which
// looks at every charge since the cancel.
const cancelWatch = 2 * ex4.TestCycle

// earlySlack is how much of each test cycle a renewal may gain without counting as
// early: a delayed call may fire a few milliseconds before its time, and each renewal
// schedules the next, so the margin grows with the period.
const earlySlack = ex4.TestCycle / 10

func renewal() grader.Scenario {
	return grader.Scenario{
		ID:     "renewal",
		Title:  "Automatic renewal on the fast test cycle",
		Points: 10,
		Bonus:  true,
		Needs:  needs(ex4.CreateSubscription, ex4.CancelSubscription, ex4.GetSubscription, ex4.Renew),
		Hint: "CreateSubscription on fast-test schedules Renew{period: 2} with restate.ObjectSend(...).Send(req, " +
			"restate.WithDelay(ex4.TestCycle)); Renew charges its period once, inside restate.Run, described by " +
			"ex4.PeriodChargeDescription, then schedules the next period; on a cancelled subscription, or for a period " +
			"charged already, it does nothing and schedules nothing (TODO bonus)",
		Timeout: 90 * time.Second,
		Run:     runRenewal,
	}
}

// renewing is a fast-test subscription under watch.
type renewing struct {
	*subject
	sentAt time.Time // when the grader sent CreateSubscription
	// settled is what the gateways had seen of it once the Renew calls scheduled before
	// its cancel had run: nothing may be added after that.
	settled effects
}

func runRenewal(ctx context.Context, env *grader.Env) (err error) {
	older := &renewing{subject: newSubject(env, fastTest)}
	newer := &renewing{subject: newSubject(env, fastTest)}
	defer func() {
		if err != nil {
			stopRenewals(env, older.key, newer.key)
		}
	}()
	crashBefore := env.ArmCrash(target(older.key, ex4.Renew), proxy.CrashBeforeCompletion, 1)
	defer crashBefore.Disarm()
	for _, r := range []*renewing{older, newer} {
		r.sentAt = time.Now()
		if err := createSubject(ctx, env, r.subject); err != nil {
			return err
		}
	}
	// The newer's first renewal charge is held until a crash right after its record is
	// armed (its period 1 was charged by the create, so this is period 2's).
	park := env.World.On(chargesOf(newer.customer)...).Times(1).Park()
	defer park.Remove()
	defer env.World.ReleaseAll(chargesOf(newer.customer)...)
	sent := fmt.Sprintf("%s and %s, two fast-test subscriptions (a period lasts %s); the first Renew attempt of %s crashed just "+
		"before it completed, the first of %s right after its charge was recorded", older.describeReq(), newer.describeReq(),
		ex4.TestCycle, older.key, newer.key)

	// Period 2 of the older: its first Renew attempt crashed before completion.
	if err := waitRenewals(ctx, env, older, 1, sent); err != nil {
		return err
	}
	if err := waitFired(ctx, env, crashBefore, older.key, sent,
		"the first Renew attempt, crashed just before it completed, is retried and completes",
		"the period was charged, but the Renew that charged it never completed", lockHint); err != nil {
		return err
	}

	// Period 2 of the newer: crash right after its charge's run was recorded.
	env.Step("hold the first renewal charge of %s, arm a crash after it is recorded, release it", newer.key)
	pctx, cancel := context.WithTimeout(ctx, renewalWait)
	ref, err := env.World.WaitParked(pctx, chargesOf(newer.customer)...)
	cancel()
	if err != nil {
		return noRenewal(env, newer.subject, sent, "a renewal charge one test cycle after the subscription started", renewalWait)
	}
	crashAfter := env.ArmCrash(target(newer.key, ex4.Renew), proxy.CrashAfterRunRecorded, 1)
	defer crashAfter.Disarm()
	if err := env.World.Release(ref); err != nil {
		return fmt.Errorf("release the parked renewal charge: %w", err)
	}
	if err := waitRenewals(ctx, env, newer, 1, sent); err != nil {
		return err
	}
	if err := waitFired(ctx, env, crashAfter, newer.key, sent,
		"the renewal charge made inside restate.Run, so that Restate records it (the grader crashes the attempt right after that record)",
		"the payment gateway charged the period, but no journaled step of Renew completed after the charge: it was made outside "+
			"restate.Run (or Renew is waiting inside), and a crash at that point would charge it again",
		"charge inside restate.Run: a charge outside it is not recorded, and a crash after it charges again"); err != nil {
		return err
	}
	// A duplicate Renew of a period charged already, sent by the grader; and the next
	// renewal waits for its time.
	if err := duplicateRenew(ctx, env, newer); err != nil {
		return err
	}
	if err := expectScheduled(ctx, env, newer, sent); err != nil {
		return err
	}
	for _, r := range []*renewing{older, newer} {
		if err := expectRenewals(env, r, sent); err != nil {
			return err
		}
	}

	// A cancel with a date that is not YYYY-MM-DD changes nothing; then cancel the older:
	// its renewals stop, the newer's go on.
	if err := badCancelDate(ctx, env, older); err != nil {
		return err
	}
	if err := cancelRenewing(ctx, env, older, newer); err != nil {
		return err
	}
	if err := cancelRenewing(ctx, env, newer, nil); err != nil {
		return err
	}
	for _, r := range []*renewing{older, newer} {
		if err := expectRenewals(env, r, sent); err != nil {
			return err
		}
	}
	if err := watchCancelled(ctx, env, older, newer); err != nil {
		return err
	}
	env.AfterRestart("the cancelled fast-test subscriptions", func(ctx context.Context) error {
		for _, r := range []*renewing{older, newer} {
			if err := expectNothingSince(env, r, "after the restart"); err != nil {
				return err
			}
			if err := expectStored(ctx, env, r.key, r.sub, "after the restart"); err != nil {
				return withHint(err, "keep the subscription and its periods in Restate's state")
			}
		}
		return renewCancelled(ctx, env, older)
	})
	return nil
}

// waitRenewals waits until r has been charged for n renewals (periods 2 to n+1) and
// checks that none came early.
func waitRenewals(ctx context.Context, env *grader.Env, r *renewing, n int, sent string) error {
	env.Step("wait for renewal %d of %s", n, r.key)
	wctx, cancel := context.WithTimeout(ctx, renewalWait)
	defer cancel()
	delivered := append(chargesOf(r.customer), func(c world.Call) bool { return c.Delivered })
	if _, err := env.World.WaitCalls(wctx, 1+n, delivered...); err != nil {
		if ctx.Err() != nil {
			return ctx.Err()
		}
		return noRenewal(env, r.subject, sent, fmt.Sprintf("renewal %d (period %d) within %s of the one before", n, n+1, renewalWait), renewalWait)
	}
	return expectRenewals(env, r, sent)
}

// expectNotEarly checks that period k was charged no earlier than k-1 test cycles after
// CreateSubscription was sent.
func expectNotEarly(env *grader.Env, r *renewing, sent string) error {
	charges := effectsOf(env, r.subject).charges
	for i, c := range charges[1:] {
		due := r.sentAt.Add(time.Duration(i+1) * ex4.TestCycle)
		if c.At.Before(due.Add(-time.Duration(i+1) * earlySlack)) {
			return grader.Fail(sent, fmt.Sprintf("renewal %d (period %d) no earlier than %d test cycle(s) (%s) after CreateSubscription",
				i+1, i+2, i+1, time.Duration(i+1)*ex4.TestCycle),
				"it was charged %s after CreateSubscription was sent:\n%s", c.At.Sub(r.sentAt).Round(time.Millisecond), indent(charges.String())).
				WithHint("schedule each renewal one test cycle later: restate.ObjectSend(ctx, ex4.ServiceName, id, ex4.Renew).Send(req, " +
					"restate.WithDelay(ex4.TestCycle)); without the delay (or with a delay in the wrong unit) Renew runs at once")
		}
	}
	return nil
}

// expectRenewals checks r's charges: after the first, one per period, 2, 3, ... in
// order, each the plan's price, none early.
func expectRenewals(env *grader.Env, r *renewing, sent string) error {
	if err := expectPeriods(env, r.subject, sent); err != nil {
		return err
	}
	return expectNotEarly(env, r, sent)
}

// expectScheduled waits until Restate's introspection shows a Renew of r that the
// service sent waiting in status "scheduled": a renewal is a delayed call, so between
// two renewals the next one waits for its time. This judges the schedule itself, not
// how fast the machine runs the renewals (a Renew sent without a delay is never
// "scheduled", however slowly it runs). Between renewals the next one waits about a
// test cycle, so a poll sees it in time; the deadline is for a submission that never
// schedules one. Then, for one more test cycle, never more than one is waiting: a Renew
// that schedules the next period once more (the duplicate Renew the grader sent, say)
// starts a second chain of renewals, which an idempotency key keeps from charging twice
// but which runs every renewal twice; the solution has one waiting at any moment.
func expectScheduled(ctx context.Context, env *grader.Env, r *renewing, sent string) error {
	env.Step("wait for a Renew of %s waiting for its time (a delayed call), and for a test cycle never two at once", r.key)
	q := fmt.Sprintf("SELECT id FROM sys_invocation WHERE target_service_name = '%s' AND target_service_key = '%s' "+
		"AND target_handler_name = '%s' AND invoked_by_id IS NOT NULL AND status = 'scheduled'", ex4.ServiceName, r.key, ex4.Renew)
	deadline := time.Now().Add(renewalWait)
	var seen time.Time // when the first waiting Renew was seen
	for {
		var rows []struct {
			ID string `json:"id"`
		}
		if err := env.Admin.Query(ctx, q, &rows); err != nil {
			return fmt.Errorf("read the scheduled Renew calls of %s: %w", r.key, err)
		}
		if len(rows) > 1 {
			return grader.Fail(sent, "one Renew of "+r.key+" waiting for its time at a time: each period schedules the next once",
				"%d Renew calls of %s were waiting at once: a Renew scheduled the next period again (after the duplicate "+
					"Renew {period: 2} the grader sent?); the payment gateway charged:\n%s", len(rows), r.key, indent(effectsOf(env, r.subject).charges.String())).
				WithHint("Renew for a period that is charged already must do nothing and schedule nothing: compare the request's period " +
					"with the one stored in Restate's state (an idempotency key keeps the charge from repeating, not the schedule)")
		}
		if len(rows) == 1 && seen.IsZero() {
			seen = time.Now()
		}
		if !seen.IsZero() && time.Since(seen) >= ex4.TestCycle {
			return nil
		}
		if seen.IsZero() && time.Now().After(deadline) {
			return grader.Fail(sent, fmt.Sprintf("each Renew sent as a delayed call, %s after the call that sends it, so that it waits "+
				"in Restate (status \"scheduled\") until its time", ex4.TestCycle),
				"in %s of polling, no Renew of %s was ever waiting for its time; the payment gateway charged:\n%s",
				renewalWait, r.key, indent(effectsOf(env, r.subject).charges.String())).
				WithHint("send each renewal with restate.WithDelay(ex4.TestCycle): restate.ObjectSend(ctx, ex4.ServiceName, id, ex4.Renew)." +
					"Send(req, restate.WithDelay(ex4.TestCycle)); without the delay (or with a delay in the wrong unit) Renew runs at once")
		}
		select {
		case <-ctx.Done():
			return ctx.Err()
		case <-time.After(50 * time.Millisecond):
		}
	}
}

// duplicateRenew sends Renew for a period of r that was charged already: nothing may
// be charged.
func duplicateRenew(ctx context.Context, env *grader.Env, r *renewing) error {
	sent := fmt.Sprintf("Renew %s {period: 2}, sent by the grader after period 2 was charged (a duplicate)", r.key)
	period2 := append(chargesOf(r.customer), world.Arg(world.ArgDescription, ex4.PeriodChargeDescription(r.key, 2)))
	asked := env.World.Calls(period2...)
	env.Step("%s", sent)
	err := within(ctx, env, r.key, sent, func(ctx context.Context) error { return renewSub(ctx, env, r.key, 2) })
	if err != nil {
		var f *grader.Failure
		if errors.As(err, &f) {
			return f
		}
		return unexpected(env, r.subject, sent, "success, and nothing charged: period 2 is paid already", err)
	}
	if err := expectPeriods(env, r.subject, sent); err != nil {
		return withHint(err, "Renew for a period that is charged already must do nothing: compare the request's period with the "+
			"periods stored in Restate's state")
	}
	// Every call for period 2, delivered or answered from the first charge by its key.
	if again := newCalls(env.World.Calls(period2...), asked); len(again) > 0 {
		return grader.Fail(sent, "nothing done: no call to the payment gateway, nothing scheduled (period 2 is paid already)",
			"Renew called the payment gateway for period 2 again (its idempotency key answered with the first charge, so "+
				"nothing was charged, but a Renew for a period charged already went on as if it were due):\n%s", indent(again.String())).
			WithHint("Renew for a period that is charged already must do nothing and schedule nothing: compare the request's period " +
				"with the one stored in Restate's state first (an idempotency key keeps the charge from repeating, not the rest)")
	}
	return nil
}

// cancelRenewing cancels r and waits until the Renew calls that were scheduled before
// the cancel have run: nothing may be charged or refunded after the cancel, and nothing
// may stay scheduled. When other is not nil, it must be charged again after the cancel:
// its renewals go on.
func cancelRenewing(ctx context.Context, env *grader.Env, r, other *renewing) error {
	sent := describeCancel(r.key, r.start) + " after its renewals"
	if other != nil {
		sent += fmt.Sprintf(" (%s, created after it, goes on renewing)", other.key)
	}
	before := effectsOf(env, r.subject)
	env.Step("%s", sent)
	var got ex4.Subscription
	err := within(ctx, env, r.key, sent, func(ctx context.Context) error {
		var err error
		got, err = cancelSub(ctx, env, r.key, fmtDate(r.start))
		return err
	})
	var f *grader.Failure
	if errors.As(err, &f) {
		return f
	}
	if err != nil {
		return unexpected(env, nil, sent, "the cancelled subscription", err)
	}
	if got.Status != ex4.StatusCancelled {
		return grader.Fail(sent, "status \"cancelled\"", "%s", describe(got))
	}
	if e := effectsOf(env, r.subject).since(before); len(e.refunds) > 0 {
		return grader.Fail(sent, "no refund: a fast-test period is not prorated", "the payment gateway refunded:\n%s", indent(e.refunds.String())).
			WithHint("cancelling a subscription on the test cycle refunds nothing")
	}
	r.sub = got
	acked := effectsOf(env, r.subject)
	var otherBefore int
	if other != nil {
		otherBefore = len(effectsOf(env, other.subject).charges)
	}

	env.Step("wait for the Renew calls of %s scheduled before the cancel to run", r.key)
	invs, err := env.Admin.Invocations(ctx, ex4.ServiceName, r.key)
	if err != nil {
		return err
	}
	scheduled := map[string]bool{}
	for _, inv := range invs {
		if inv.Status != "completed" {
			scheduled[inv.ID] = true
		}
	}
	deadline := time.Now().Add(renewalWait)
	for {
		if after := effectsOf(env, r.subject).since(acked).charges; len(after) > 0 {
			return grader.Fail(sent, "no charge after the cancel: renewals stop",
				"%d charge(s) after the cancel:\n%s", len(after), indent(after.String())).
				WithHint("Renew must read the subscription first and, when it is cancelled, neither charge nor schedule the next renewal")
		}
		invs, err := env.Admin.Invocations(ctx, ex4.ServiceName, r.key)
		if err != nil {
			return err
		}
		var waiting, later []admin.Invocation
		for _, inv := range invs {
			switch {
			case inv.Status == "completed":
			case scheduled[inv.ID]:
				waiting = append(waiting, inv)
			default:
				later = append(later, inv)
			}
		}
		if len(later) > 0 {
			return grader.Fail(sent, "no renewal scheduled after the cancel",
				"a Renew ran after the cancel and scheduled another: %s", describeInvocations(later)).
				WithHint("Renew on a cancelled subscription must return at once, without scheduling the next renewal")
		}
		if len(waiting) == 0 {
			r.settled = effectsOf(env, r.subject)
			break
		}
		if time.Now().After(deadline) {
			return grader.Fail(sent, "the Renew calls scheduled before the cancel run within "+renewalWait.String()+" and find the subscription cancelled",
				"%s after the cancel they are still pending: %s", renewalWait, explainInvocations(waiting)).
				WithHint("Renew must return: no waiting inside it (schedule the next renewal as a delayed call instead)")
		}
		select {
		case <-ctx.Done():
			return ctx.Err()
		case <-time.After(50 * time.Millisecond):
		}
	}
	if other == nil {
		return nil
	}
	env.Step("wait for %s to renew after %s was cancelled", other.key, r.key)
	wctx, cancel := context.WithTimeout(ctx, renewalWait)
	defer cancel()
	delivered := append(chargesOf(other.customer), func(c world.Call) bool { return c.Delivered })
	if _, err := env.World.WaitCalls(wctx, otherBefore+1, delivered...); err != nil {
		if ctx.Err() != nil {
			return ctx.Err()
		}
		return noRenewal(env, other.subject, sent, fmt.Sprintf("%s goes on renewing after %s was cancelled", other.key, r.key), renewalWait).
			WithHint("cancelling one subscription must not stop another's renewals: keep the periods and the status per subscription, in its own state")
	}
	return nil
}

// badCancelDate cancels r with a date that is not YYYY-MM-DD: a terminal 400, no refund,
// no email, and r stays active. A fast-test cancel prorates nothing, so only the date
// check itself refuses it.
func badCancelDate(ctx context.Context, env *grader.Env, r *renewing) error {
	bad := badDate(env.Rand)
	sent := fmt.Sprintf("CancelSubscription %s {date:%q} (the date is not YYYY-MM-DD)", r.key, bad)
	before := effectsOf(env, r.subject)
	env.Step("%s", sent)
	var got ex4.Subscription
	err := within(ctx, env, r.key, sent, func(ctx context.Context) error {
		var err error
		got, err = cancelSub(ctx, env, r.key, bad)
		return err
	})
	var f *grader.Failure
	if errors.As(err, &f) {
		return f
	}
	const hint = "a date that is not YYYY-MM-DD is invalid input on every plan: parse it first and answer " +
		"restate.ToTerminalError(err, restate.WithErrorCode(400)) before anything changes"
	if grader.Code(err) != 400 {
		return withHint(unexpectedCode(sent, "a terminal 400 error, and the subscription still active", got, err), hint)
	}
	if e := effectsOf(env, r.subject).since(before); len(e.refunds)+len(e.emails) > 0 {
		all := append(append(world.Calls{}, e.refunds...), e.emails...)
		return grader.Fail(sent, "no refund and no email: the request is invalid", "the gateways saw:\n%s", indent(all.String())).WithHint(hint)
	}
	return withHint(expectStored(ctx, env, r.key, r.sub, "after the refused cancel"), hint)
}

// watchCancelled watches the cancelled subscriptions for cancelWatch: nothing of either
// is charged, refunded or scheduled.
func watchCancelled(ctx context.Context, env *grader.Env, rs ...*renewing) error {
	var keys []string
	for _, r := range rs {
		keys = append(keys, r.key)
	}
	env.Step("watch %s for %s (two test cycles) after the Renew calls scheduled before their cancels ran: nothing charged, "+
		"refunded or scheduled", strings.Join(keys, " and "), cancelWatch)
	deadline := time.Now().Add(cancelWatch)
	for {
		for _, r := range rs {
			if err := expectNothingSince(env, r, fmt.Sprintf("in the %s after its cancel", cancelWatch)); err != nil {
				return err
			}
			invs, err := env.Admin.Invocations(ctx, ex4.ServiceName, r.key)
			if err != nil {
				return err
			}
			var pending []admin.Invocation
			for _, inv := range invs {
				if inv.Status != "completed" {
					pending = append(pending, inv)
				}
			}
			if len(pending) > 0 {
				return grader.Fail(describeCancel(r.key, r.start)+" after its renewals", "nothing scheduled once the Renew calls sent before the cancel ran",
					"a call of the cancelled subscription is pending: %s", describeInvocations(pending)).
					WithHint("Renew on a cancelled subscription must return at once, without scheduling the next renewal")
			}
		}
		if time.Now().After(deadline) {
			return nil
		}
		select {
		case <-ctx.Done():
			return ctx.Err()
		case <-time.After(50 * time.Millisecond):
		}
	}
}

// expectNothingSince fails when r was charged or refunded after the Renew calls
// scheduled before its cancel had run.
func expectNothingSince(env *grader.Env, r *renewing, when string) error {
	e := effectsOf(env, r.subject).since(r.settled)
	if len(e.charges) == 0 && len(e.refunds) == 0 {
		return nil
	}
	return grader.Fail(describeCancel(r.key, r.start)+" after its renewals", "nothing charged or refunded once the Renew calls scheduled before the cancel ran: renewals stop",
		"%s, the payment gateway saw:\n%s", when, e.payments()).
		WithHint("Renew must read the subscription first and, when it is cancelled, neither charge nor schedule the next renewal; " +
			"a cancel stops every renewal of the subscription, however it is scheduled")
}

// lockHint explains an exclusive call that does not answer on a fast-test subscription.
const lockHint = "a virtual object runs one exclusive handler at a time: a Renew that waits (restate.Sleep, or a loop that " +
	"renews in one invocation) holds the subscription, and every other exclusive call (a cancel, another Renew) waits " +
	"behind it. Schedule each renewal as a delayed call, and return at once"

// within runs call with a deadline of renewalWait. A call that does not answer in time
// is a Failure that says which invocations of key were pending: an exclusive call waits
// behind any invocation that holds the object.
func within(ctx context.Context, env *grader.Env, key, sent string, call func(ctx context.Context) error) error {
	cctx, cancel := context.WithTimeout(ctx, renewalWait)
	defer cancel()
	err := call(cctx)
	if err != nil && cctx.Err() != nil && ctx.Err() == nil {
		return grader.Fail(sent, "an answer within "+renewalWait.String(), "no answer: %s", describePending(ctx, env, key)).WithHint(lockHint)
	}
	return err
}

// renewCancelled sends Renew for the next period of the cancelled r after the restart:
// nothing is charged and nothing is scheduled.
func renewCancelled(ctx context.Context, env *grader.Env, r *renewing) error {
	charges := effectsOf(env, r.subject).charges
	next := len(charges) + 1 // how many periods were paid depends on timing: not in the step
	sent := fmt.Sprintf("Renew %s for the period after the last one charged, after the restart, on the cancelled subscription", r.key)
	env.Step("%s", sent)
	if err := renewSub(ctx, env, r.key, next); err != nil {
		return unexpected(env, r.subject, sent, "success, and nothing charged: the subscription is cancelled", err)
	}
	if after := effectsOf(env, r.subject).charges; len(after) > len(charges) {
		return grader.Fail(sent, "no charge: the subscription is cancelled", "the payment gateway charged:\n%s", indent(after.String())).
			WithHint("Renew must read the stored status first, from Restate's state, and do nothing for a cancelled subscription")
	}
	invs, err := env.Admin.Invocations(ctx, ex4.ServiceName, r.key)
	if err != nil {
		return err
	}
	var pending []admin.Invocation
	for _, inv := range invs {
		if inv.Status != "completed" {
			pending = append(pending, inv)
		}
	}
	if len(pending) > 0 {
		return grader.Fail(sent, "nothing scheduled: the subscription is cancelled", "still pending: %s", describeInvocations(pending)).
			WithHint("Renew on a cancelled subscription must not schedule the next renewal")
	}
	return nil
}

// waitFired waits until crash has fired on an attempt of key; when it does not within
// renewalWait, it fails with why, what is pending on key, and hint.
func waitFired(ctx context.Context, env *grader.Env, crash *grader.Crash, key, sent, expected, why, hint string) error {
	deadline := time.Now().Add(renewalWait)
	for crash.Fired() == 0 {
		if time.Now().After(deadline) {
			return grader.Fail(sent, expected, "after %s it had not happened: %s; %s", renewalWait, why, describePending(ctx, env, key)).
				WithHint(hint)
		}
		select {
		case <-ctx.Done():
			return ctx.Err()
		case <-time.After(50 * time.Millisecond):
		}
	}
	return nil
}

// describePending says which invocations of key have not completed, and why.
func describePending(ctx context.Context, env *grader.Env, key string) string {
	invs, err := env.Admin.Invocations(ctx, ex4.ServiceName, key)
	if err != nil {
		return "(the grader could not read the invocations: " + err.Error() + ")"
	}
	var pending []admin.Invocation
	for _, inv := range invs {
		if inv.Status != "completed" {
			pending = append(pending, inv)
		}
	}
	if len(pending) == 0 {
		return "no invocation of " + key + " is pending"
	}
	return "these invocations of " + key + " are pending: " + explainInvocations(pending)
}

func describeInvocations(invs []admin.Invocation) string {
	var parts []string
	for _, inv := range invs {
		parts = append(parts, fmt.Sprintf("%s/%s/%s (%s)", inv.Service, inv.Key, inv.Handler, inv.Status))
	}
	slices.Sort(parts)
	return strings.Join(parts, ", ")
}

func explainInvocations(invs []admin.Invocation) string {
	var parts []string
	for _, inv := range invs {
		parts = append(parts, fmt.Sprintf("%s/%s/%s (%s): %s", inv.Service, inv.Key, inv.Handler, inv.Status, grader.ExplainInvocation(inv)))
	}
	slices.Sort(parts)
	return strings.Join(parts, "; ")
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
				WithHint("a renewal was charged again: a charge made outside restate.Run runs again on every retry of Renew (a crash, " +
					"a timeout); charge inside restate.Run, so that a retry replays it, and make Renew do nothing for a period already charged")
		case period != want || c.Amount() != s.plan.Price:
			return grader.Fail(sent, expected, "charge %s is for period %d, %d cents; expected period %d, %d cents:\n%s",
				c.Result, period, c.Amount(), want, s.plan.Price, indent(charges.String()))
		}
	}
	return nil
}

// noRenewal reports renewals that did not come in time.
func noRenewal(env *grader.Env, s *subject, sent, expected string, waited time.Duration) *grader.Failure {
	charges := effectsOf(env, s).charges
	return grader.Fail(sent, expected, "after waiting %s, the payment gateway had charged %s %d time(s) in all:\n%s",
		waited, s.customer, len(charges), indent(charges.String())).
		WithHint("CreateSubscription on a plan of the test cycle must schedule Renew{period: 2} one ex4.TestCycle later with " +
			"restate.ObjectSend(ctx, ex4.ServiceName, id, ex4.Renew).Send(req, restate.WithDelay(ex4.TestCycle)), and each Renew the next")
}

// stopRenewals cancels the subscriptions of a failed run and kills what a broken
// submission left scheduled, until nothing of keys is pending, so that it does not run
// on for the rest of the grading.
func stopRenewals(env *grader.Env, keys ...string) {
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	for _, key := range keys {
		cctx, cancel := context.WithTimeout(ctx, 2*time.Second)
		_, _ = cancelSub(cctx, env, key, "2026-01-01")
		cancel()
	}
	for range 5 {
		killed, err := env.Admin.KillUnfinished(ctx, ex4.ServiceName, keys...)
		if err != nil || len(killed) == 0 {
			return
		}
	}
}
