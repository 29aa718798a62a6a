package ex5

import (
	"context"
	"fmt"
	"time"

	"idempotency/contract/ex5"
	"idempotency/fixtures/world"
	"idempotency/grader"
)

const (
	// A duplicate must not call any gateway: the slowed gateway calls make one show in
	// the ledger and in the time it takes. atOnce bounds the answer generously, so that a
	// loaded machine never fails a correct duplicate, yet a gateway call cannot fit in it.
	atOnce      = 5 * time.Second
	slowGateway = 10 * time.Second
	// queuedDuplicates are sent while the first delivery is parked in the order store.
	queuedDuplicates = 2
)

const duplicateHint = "before processing, look the webhook up in Restate state (restate.Get); when it was processed, return the stored " +
	"record at once with no error and no gateway call, even when the body differs"

func duplicateSuccess() grader.Scenario {
	return grader.Scenario{
		ID:     "duplicate-success",
		Title:  "Duplicate webhooks return success immediately",
		Points: 25,
		Hint:   duplicateHint,
		Run:    runDuplicateSuccess,
	}
}

func runDuplicateSuccess(ctx context.Context, env *grader.Env) error {
	w := newWebhook(env, ex5.PaymentSucceeded)
	first, err := processOnce(ctx, env, w)
	if err != nil {
		return err
	}
	if err := duplicatesAfter(ctx, env, w, first); err != nil {
		return err
	}
	return duplicatesDuring(ctx, env)
}

// processOnce delivers a new webhook and checks that it was processed once.
func processOnce(ctx context.Context, env *grader.Env, w webhook) (ex5.WebhookStatus, error) {
	sent := fmt.Sprintf("ProcessWebhook: the %s, correctly signed", w)
	env.Step("ProcessWebhook %s (%s)", w.ID, w.Type)
	rec, err := deliverSigned(ctx, env, w, w.body())
	if err != nil {
		return rec, unexpected(env, sent, "success", err)
	}
	if d := diffRecord(w, ex5.StatusProcessed, rec); d != "" {
		return rec, grader.Fail(sent, recordExpectation(w, ex5.StatusProcessed), "%s: %s", describe(rec), d)
	}
	return rec, expectEffects(env, w, 1, sent, "process the webhook once: each gateway call once, inside restate.Run")
}

// duplicatesAfter redelivers a processed webhook while its gateways are slow: twice as
// it was, once with a changed body. Each answer is success, at once, with no effect.
func duplicatesAfter(ctx context.Context, env *grader.Env, w webhook, first ex5.WebhookStatus) error {
	// A trap, not a fault: a duplicate that reaches a gateway is held there, and then
	// misses atOnce. A correct duplicate never fires it.
	slow := env.World.On(aboutWebhook(w)).Delay(slowGateway)
	defer slow.Remove()

	changed := w
	changed.Type = ex5.PaymentFailed
	changed.PaymentID = ""
	deliveries := []struct {
		what string
		body []byte
	}{
		{"the same body again (re-signed, as Stripe does on every retry)", w.body()},
		{"the same body a third time", w.body()},
		{"the same id with a changed body (type payment.failed)", changed.body()},
	}
	for _, dup := range deliveries {
		sent := fmt.Sprintf("ProcessWebhook for %s, already processed: %s, while the order store and the notification gateway take %s to answer", w.ID, dup.what, slowGateway)
		env.Step("duplicate ProcessWebhook %s: %s", w.ID, dup.what)
		before := len(effectsOf(env, w).all)
		start := time.Now()
		rec, err := deliver(ctx, env, w.ID, dup.body, env.World.SignWebhook(time.Now(), dup.body))
		took := time.Since(start)
		if err != nil {
			return withHint(unexpected(env, sent, "success with the stored record (a duplicate is not an error)", err),
				"a duplicate delivery is success for the sender: return the stored record with no error, or Stripe keeps retrying")
		}
		if e := expectEffects(env, w, 1, sent, duplicateHint); e != nil {
			return e
		}
		if n := slow.Fired(); n > 0 {
			return grader.Fail(sent, "success from the stored record, with no gateway call",
				"the duplicate called a gateway %s:\n%s", times(n), calledSince(env, w, before)).
				WithHint("answer a duplicate from Restate state alone: no gateway call, not even a read, before returning the stored record")
		}
		if took > atOnce {
			return grader.Fail(sent, fmt.Sprintf("success within %s, from the stored record", atOnce),
				"the answer took %s: the duplicate waited for a gateway", took.Round(time.Millisecond)).
				WithHint("answer a duplicate from Restate state alone: no gateway call, not even a read, before returning the stored record")
		}
		if d := diffStored(first, rec); d != "" || rec.Type != w.Type {
			if d == "" {
				d = fmt.Sprintf("type %q != %q", rec.Type, w.Type)
			}
			return grader.Fail(sent, "the record the first delivery returned: "+describe(first), "%s: %s", describe(rec), d).
				WithHint("return the stored record unchanged for a duplicate, whatever its body says")
		}
	}
	env.Step("GetWebhookStatus %s after the duplicates", w.ID)
	stored, err := getStatus(ctx, env, w.ID)
	if err != nil {
		return unexpected(env, "GetWebhookStatus "+w.ID+" after 3 duplicate deliveries", "the first delivery's record", err)
	}
	if d := diffStored(first, stored); d != "" {
		return grader.Fail("GetWebhookStatus "+w.ID+" after 3 duplicate deliveries", "the first delivery's record, unchanged: "+describe(first),
			"%s: %s", describe(stored), d).WithHint("a duplicate must not write state: return before processing")
	}
	return nil
}

// duplicatesDuring delivers a webhook whose order store call is parked, then duplicates
// of it. Restate queues them behind the first (one exclusive handler per key); once
// the first completes, each must answer success at once, with no second effect.
func duplicatesDuring(ctx context.Context, env *grader.Env) error {
	w := newWebhook(env, ex5.PaymentSucceeded)
	paid := []world.Matcher{world.Gateway(world.MarkPaid), world.Arg(world.ArgOrderID, w.OrderID)}
	park := env.World.On(paid...).Times(1).Park()
	defer park.Remove()
	defer env.World.ReleaseAll(paid...)

	sent := fmt.Sprintf("ProcessWebhook: the %s, held inside the order store; meanwhile %d duplicate deliveries", w, queuedDuplicates)
	env.Step("ProcessWebhook %s with the order store call held", w.ID)
	firstCh := deliverAsync(ctx, env, w.ID, w.body(), env.World.SignWebhook(time.Now(), w.body()))
	ref, early, err := waitParkedOrAnswer(ctx, env, paid, firstCh)
	if err != nil {
		return err
	}
	if early != nil {
		if early.err != nil {
			return unexpected(env, sent, "success", early.err)
		}
		if err := expectEffects(env, w, 1, sent, duplicateHint); err != nil {
			return err
		}
		return fmt.Errorf("harness: the order store call of %s was never held, yet its effects are complete", w.ID)
	}

	env.Step("%d duplicate deliveries of %s while the first is held", queuedDuplicates, w.ID)
	dups := make([]<-chan answer, queuedDuplicates)
	for i := range dups {
		dups[i] = deliverAsync(ctx, env, w.ID, w.body(), env.World.SignWebhook(time.Now(), w.body()))
	}
	if err := waitInvocations(ctx, env, w.ID, 1+queuedDuplicates); err != nil {
		return err
	}
	if err := env.World.Release(ref); err != nil {
		return fmt.Errorf("harness: %w", err)
	}
	env.Step("released the order store call; waiting for all %d answers", 1+queuedDuplicates)
	first := <-firstCh
	if first.err != nil {
		return unexpected(env, sent+": the first delivery", "success", first.err)
	}
	for i, ch := range dups {
		a := <-ch
		what := fmt.Sprintf("%s: duplicate %d", sent, i+1)
		if a.err != nil {
			return withHint(unexpected(env, what, "success once the first delivery completed", a.err),
				"a duplicate delivery is success for the sender: return the stored record with no error")
		}
		if d := diffRecord(w, ex5.StatusProcessed, a.rec); d != "" {
			return grader.Fail(what, recordExpectation(w, ex5.StatusProcessed), "%s: %s", describe(a.rec), d)
		}
		if late := a.at.Sub(first.at); late > atOnce {
			return grader.Fail(what, fmt.Sprintf("success within %s of the first delivery's answer", atOnce),
				"it answered %s after the first", late.Round(time.Millisecond)).WithHint(duplicateHint)
		}
	}
	if err := expectEffects(env, w, 1, sent, duplicateHint); err != nil {
		return err
	}
	if calls := effectsOf(env, w).all; len(calls) != 2 {
		return grader.Fail(sent, "2 gateway calls in all, both by the first delivery (mark paid, notify)",
			"%d gateway calls:\n%s", len(calls), calls).
			WithHint("answer a duplicate from Restate state alone: no gateway call, not even a read, before returning the stored record")
	}
	return nil
}

// calledSince lists the calls about w after the first n of them.
func calledSince(env *grader.Env, w webhook, n int) world.Calls {
	all := effectsOf(env, w).all
	if n > len(all) {
		n = len(all)
	}
	return all[n:]
}
