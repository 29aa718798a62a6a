package ex5

import (
	"context"
	"fmt"
	"time"

	"idempotency/contract/ex5"
	"idempotency/fixtures/world"
	"idempotency/grader"
	"idempotency/grader/internal/proxy"
)

const sideEffectsHint = "wrap every gateway call (fixtures.MarkOrderPaid, fixtures.SendNotification) in its own restate.Run: Restate journals " +
	"its result, so a retry after a crash replays it instead of calling again; and keep the processed record in Restate state " +
	"(restate.Set), never in a Go variable, which a restart of your service forgets"

func sideEffectsOnce() grader.Scenario {
	return grader.Scenario{
		ID:        "side-effects-once",
		Title:     "Side effects (notifications, DB updates) happen once",
		Points:    25,
		Hint:      sideEffectsHint,
		Needs:     needs(ex5.ProcessWebhook),
		Exclusive: true, // it kills and restarts the service process
		Timeout:   90 * time.Second,
		Run:       runSideEffectsOnce,
	}
}

func runSideEffectsOnce(ctx context.Context, env *grader.Env) error {
	// First the restart: webhooks processed before it must still be known after it,
	// the older one as well as the latest.
	before := []webhook{newWebhook(env, ex5.PaymentSucceeded), newWebhook(env, ex5.PaymentFailed)}
	for _, w := range before {
		if _, err := processOnce(ctx, env, w); err != nil {
			return err
		}
	}
	if err := killedMidCall(ctx, env); err != nil {
		return err
	}
	for _, w := range before {
		if err := redeliverAfterRestart(ctx, env, w); err != nil {
			return err
		}
	}
	for _, typ := range []string{ex5.PaymentSucceeded, ex5.PaymentFailed} {
		if err := crashBeforeCompletion(ctx, env, newWebhook(env, typ)); err != nil {
			return err
		}
	}
	if err := crashAfterEachRun(ctx, env, newWebhook(env, ex5.PaymentSucceeded)); err != nil {
		return err
	}
	if err := underTransientFailures(ctx, env, newWebhook(env, ex5.PaymentSucceeded)); err != nil {
		return err
	}
	for _, r := range refusals {
		if err := underPermanentRefusal(ctx, env, r); err != nil {
			return err
		}
	}
	return nil
}

// crashBeforeCompletion delivers w with its first attempt crashed just before it
// completes: Restate retries and replays the journal, and the world sees each effect once.
func crashBeforeCompletion(ctx context.Context, env *grader.Env, w webhook) error {
	crash := env.ArmCrash(target(w.ID, ex5.ProcessWebhook), proxy.CrashBeforeCompletion, 1)
	defer crash.Disarm()
	sent := fmt.Sprintf("ProcessWebhook: the %s; the first attempt crashed just before it completed (Restate retried it)", w)
	env.Step("ProcessWebhook %s (%s) with a crash before completion", w.ID, w.Type)
	rec, err := deliverSigned(ctx, env, w, w.body())
	if err != nil {
		f := unexpected(env, sent, "success", err)
		if isJournalMismatch(err) {
			return withHint(f, "the retry took another path than the first attempt: something outside Restate's journal decided it "+
				"(a Go map or variable that remembered the first attempt, time.Now(), math/rand). Keep the processed record in Restate "+
				"state and take times from restate.Run")
		}
		return f
	}
	if err := expectEffects(env, w, 1, sent, sideEffectsHint); err != nil {
		return err
	}
	if err := crash.Check(); err != nil {
		return err
	}
	if d := diffRecord(w, ex5.StatusProcessed, rec); d != "" {
		return grader.Fail(sent, recordExpectation(w, ex5.StatusProcessed), "%s: %s", describe(rec), d)
	}
	return nil
}

// crashAfterEachRun holds each gateway call of w as it arrives, arms a crash for the
// moment its result is recorded, and lets it go: every attempt dies right after a side
// effect was journaled, and the retry must replay it rather than repeat it.
func crashAfterEachRun(ctx context.Context, env *grader.Env, w webhook) error {
	effectCalls := []world.Matcher{aboutWebhook(w), world.Gateway(world.MarkPaid, world.Notify)}
	hold := env.World.On(effectCalls...).Times(2).Park()
	defer hold.Remove()
	defer env.World.ReleaseAll(effectCalls...)
	var crashes []*grader.Crash
	defer func() {
		for _, c := range crashes {
			c.Disarm()
		}
	}()

	sent := fmt.Sprintf("ProcessWebhook: the %s; each attempt crashed right after a gateway call's restate.Run was recorded (Restate retried)", w)
	env.Step("ProcessWebhook %s with a crash right after each gateway call is recorded", w.ID)
	ch := deliverAsync(ctx, env, w.ID, w.body(), env.World.SignWebhook(time.Now(), w.body()))
	var a *answer
	for a == nil {
		ref, early, err := waitParkedOrAnswer(ctx, env, effectCalls, ch)
		if err != nil {
			return err
		}
		if early != nil {
			a = early
			break
		}
		env.Step("%s arrived: crash once its result is recorded", ref.Gateway)
		// Any invocation: nothing else runs during this exclusive scenario, and a design
		// that hands the gateway calls to another handler of its own is crashed there.
		crashes = append(crashes, env.ArmCrash(grader.Target{}, proxy.CrashAfterRunRecorded, 1))
		if err := env.World.Release(ref); err != nil {
			return fmt.Errorf("release the held %s call of %s: %w", ref.Gateway, w.ID, err)
		}
		if len(crashes) == 2 {
			got, err := receive(ctx, ch)
			if err != nil {
				return err
			}
			a = &got
		}
	}
	if a.err != nil {
		return unexpected(env, sent, "success", a.err)
	}
	if err := expectEffects(env, w, 1, sent, sideEffectsHint); err != nil {
		return err
	}
	if len(crashes) == 0 {
		return fmt.Errorf("no gateway call of %s was held, yet its effects are complete", w.ID)
	}
	// Each crash was armed once its call was held, so only a Run recorded later can fire
	// it. The first crash counts every firing for the key since it was armed. A crash
	// armed for the second call may find no fresh Run after it (both calls in one Run,
	// say): one crash after a recorded effect is the minimum.
	fired := crashes[0].Fired()
	if fired == 0 {
		// No restate.Run was recorded anywhere after a gateway call arrived: the calls
		// are made outside restate.Run, and nothing after them is journaled either.
		return grader.Fail(sent, "a crash right after the restate.Run of a gateway call was recorded",
			"no restate.Run was recorded, by ProcessWebhook or any other handler of yours, from the moment the gateway calls arrived to the answer").
			WithHint(sideEffectsHint)
	}
	if fired > len(crashes) {
		return fmt.Errorf("%d crashes after a recorded run were armed for %s, %d fired", len(crashes), w.ID, fired)
	}
	if d := diffRecord(w, ex5.StatusProcessed, a.rec); d != "" {
		return grader.Fail(sent, recordExpectation(w, ex5.StatusProcessed), "%s: %s", describe(a.rec), d)
	}
	return nil
}

// underTransientFailures makes the notification gateway time out twice: Restate
// retries, and the order is still marked paid once and the customer notified once.
func underTransientFailures(ctx context.Context, env *grader.Env, w webhook) error {
	flaky := env.World.On(world.Gateway(world.Notify), world.Arg(world.ArgCustomerID, w.CustomerID)).FailNext(2)
	defer flaky.Remove()
	sent := fmt.Sprintf("ProcessWebhook: the %s, while the notification gateway times out twice (transiently)", w)
	env.Step("ProcessWebhook %s with 2 notification timeouts", w.ID)
	rec, err := deliverSigned(ctx, env, w, w.body())
	if err != nil {
		return withHint(unexpected(env, sent, "success, after Restate retried the notification", err),
			"a transient gateway error (errors.Is(err, fixtures.ErrTransient)) must be returned as a plain error, so that Restate retries it")
	}
	if fired := flaky.Fired(); fired != 2 {
		if err := expectEffects(env, w, 1, sent, sideEffectsHint); err != nil {
			var f *grader.Failure
			if asFailure(err, &f) && len(effectsOf(env, w).notices) == 0 {
				f.Observed += fmt.Sprintf("\nProcessWebhook answered success: %s (error %q)", describe(rec), rec.Error)
				f.Hint = "the notification gateway timed out (a transient error) and your service gave up instead of letting Restate retry: " +
					"make only permanent errors terminal (errors.Is(err, fixtures.ErrPermanent)) and return transient ones as they are"
			}
			return err
		}
		return fmt.Errorf("the notification timeouts for %s fired %d times, want 2", w.ID, fired)
	}
	if d := diffRecord(w, ex5.StatusProcessed, rec); d != "" {
		return grader.Fail(sent, recordExpectation(w, ex5.StatusProcessed), "%s: %s", describe(rec), d)
	}
	return expectEffects(env, w, 1, sent,
		"the notification failed twice and Restate retried: with each gateway call in its own restate.Run, the order store call is replayed from the journal, not repeated")
}

// killedMidCall kills the service process while its order store call is held, and
// starts it again: Restate retries the invocation, which completes with one effect each.
func killedMidCall(ctx context.Context, env *grader.Env) error {
	w := newWebhook(env, ex5.PaymentSucceeded)
	sent := fmt.Sprintf("ProcessWebhook: the %s; your service process was killed while the order store call was in flight, then restarted", w)
	env.Step("ProcessWebhook %s, killing the service while its order store call is held", w.ID)
	var rec ex5.WebhookStatus
	err := env.KillWhileParked(ctx, func(ctx context.Context) error {
		var err error
		rec, err = deliverSigned(ctx, env, w, w.body())
		return err
	}, world.Gateway(world.MarkPaid), world.Arg(world.ArgOrderID, w.OrderID))
	if err != nil {
		var f *grader.Failure
		if asFailure(err, &f) {
			f.Sent = sent
			return f.WithHint(processingHint(w))
		}
		return unexpected(env, sent, "success, once Restate retried on the restarted service", err)
	}
	if d := diffRecord(w, ex5.StatusProcessed, rec); d != "" {
		return grader.Fail(sent, recordExpectation(w, ex5.StatusProcessed), "%s: %s", describe(rec), d)
	}
	return expectEffects(env, w, 1, sent, sideEffectsHint)
}

// redeliverAfterRestart delivers a webhook processed before the service restart again:
// the record survives in Restate, so it is not processed a second time. The answer is
// the duplicate criterion's business; here only the effects count.
func redeliverAfterRestart(ctx context.Context, env *grader.Env, w webhook) error {
	sent := fmt.Sprintf("ProcessWebhook: the %s again, after your service process was restarted (it had been processed before)", w)
	env.Step("redeliver %s after the restart", w.ID)
	if _, err := deliverSigned(ctx, env, w, w.body()); grader.IsHarness(err) {
		return err
	}
	return expectEffects(env, w, 1, sent,
		"the webhook was processed again when it came back after a restart of your service and after later webhooks: keep each webhook's "+
			"record in Restate state under its own key (restate.Get/restate.Set in ProcessWebhook), not in a Go map or variable, and not only the latest webhook's")
}
