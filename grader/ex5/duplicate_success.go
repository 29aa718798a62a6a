package ex5

import (
	"context"
	"fmt"
	"time"

	"idempotency/contract/ex5"
	"idempotency/fixtures/world"
	"idempotency/grader"
)

// queuedDuplicates are sent while the first delivery is held in the order store.
const queuedDuplicates = 2

const duplicateHint = "before processing, look the webhook up in Restate state (restate.Get); when it was processed, return the stored " +
	"record at once with no error and no gateway call, even when the body differs"

const noGatewayHint = "answer a duplicate from Restate state alone: no gateway call, not even a read, before returning the stored record"

func duplicateSuccess() grader.Scenario {
	return grader.Scenario{
		ID:      "duplicate-success",
		Title:   "Duplicate webhooks return success immediately",
		Points:  25,
		Hint:    duplicateHint,
		Needs:   needs(ex5.ProcessWebhook, ex5.GetWebhookStatus),
		Timeout: 60 * time.Second,
		Run:     runDuplicateSuccess,
	}
}

// runDuplicateSuccess sends duplicates while a webhook is being processed, then
// processes three webhooks and redelivers each of them, the oldest first, as they were
// and with changed bodies; after a restart of the service it redelivers them again.
// "Immediately" is judged by what a duplicate does, not by a stopwatch: every gateway
// call about the webhooks is held while their duplicates are delivered, so a duplicate
// that calls any gateway never answers before the grader sees the call.
func runDuplicateSuccess(ctx context.Context, env *grader.Env) error {
	if err := duplicatesDuring(ctx, env); err != nil {
		return err
	}
	hooks := []webhook{newWebhook(env, ex5.PaymentSucceeded), newWebhook(env, ex5.PaymentFailed), newWebhook(env, ex5.PaymentSucceeded)}
	firsts := make([]processed, len(hooks))
	for i, w := range hooks {
		rec, err := processOnce(ctx, env, w)
		if err != nil {
			return err
		}
		firsts[i] = processed{w, rec}
	}
	a, b, c := firsts[0], firsts[1], firsts[2]
	dups := []duplicate{
		{a, a.w.body(), "the same body again (re-signed, as Stripe does on every retry), after 2 later webhooks"},
		{b, b.w.changed(env).body(), "the same id with a changed body (another type)"},
		{c, c.w.body(), "the same body again"},
		{a, a.w.changed(env).body(), "the same id with a changed body (another type)"},
	}
	if err := redeliver(ctx, env, firsts, dups, ""); err != nil {
		return err
	}
	env.AfterRestart(fmt.Sprintf("the %d webhooks processed above, each delivered again", len(firsts)), func(ctx context.Context) error {
		var again []duplicate
		for _, p := range firsts {
			again = append(again, duplicate{p, p.w.body(), "the same body again"})
		}
		return redeliver(ctx, env, firsts, again, ", after your service process was restarted")
	})
	return nil
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

// duplicate is one redelivery of a processed webhook.
type duplicate struct {
	of   processed
	body []byte
	what string
}

// redeliver delivers each duplicate while every gateway call about the webhooks is
// held: each must answer success with the stored record and call no gateway. Then
// GetWebhookStatus of each is unchanged. when is added to the steps.
func redeliver(ctx context.Context, env *grader.Env, hooks []processed, dups []duplicate, when string) error {
	// A trap, not a fault: a correct duplicate never springs it.
	about := func(c world.Call) bool {
		for _, p := range hooks {
			if aboutWebhook(p.w)(c) {
				return true
			}
		}
		return false
	}
	trap := env.World.On(about).Park()
	defer env.World.ReleaseAll(about)
	defer trap.Remove()

	for _, dup := range dups {
		w, first := dup.of.w, dup.of.rec
		sent := fmt.Sprintf("ProcessWebhook for %s, already processed: %s%s", w.ID, dup.what, when)
		env.Step("duplicate ProcessWebhook %s: %s%s", w.ID, dup.what, when)
		ch := deliverAsync(ctx, env, w.ID, dup.body, env.World.SignWebhook(time.Now(), dup.body))
		ref, early, err := waitParkedOrAnswer(ctx, env, []world.Matcher{aboutWebhook(w)}, ch)
		if err != nil {
			return err
		}
		if early == nil {
			if ref.Gateway == world.MarkPaid || ref.Gateway == world.Notify {
				return grader.Fail(sent, "success from the stored record, with no gateway call",
					"the duplicate was processed again: it called the gateway (the grader held the call): %s", ref.Call).
					WithHint("look every webhook up in Restate state under its own key before processing, not only the latest one: " + duplicateHint)
			}
			return grader.Fail(sent, "success from the stored record, with no gateway call",
				"the duplicate called a gateway before answering (the grader held the call): %s", ref.Call).WithHint(noGatewayHint)
		}
		if early.err != nil {
			return withHint(unexpected(env, sent, "success with the stored record (a duplicate is not an error)", early.err),
				"a duplicate delivery is success for the sender: return the stored record with no error, or Stripe keeps retrying")
		}
		if err := expectEffects(env, w, 1, sent, duplicateHint); err != nil {
			return err
		}
		rec := early.rec
		if d := diffDuplicate(w, first, rec); d != "" {
			return grader.Fail(sent, "the record the first delivery returned: "+describe(first), "%s: %s", describe(rec), d).
				WithHint("return the stored record unchanged for a duplicate, whatever its body says")
		}
	}
	for _, p := range hooks {
		sent := fmt.Sprintf("GetWebhookStatus %s after its duplicate deliveries%s", p.w.ID, when)
		env.Step("GetWebhookStatus %s after its duplicates%s", p.w.ID, when)
		stored, err := getStatus(ctx, env, p.w.ID)
		if err != nil {
			f := unexpected(env, sent, "the first delivery's record", err)
			if when != "" && grader.Code(err) == 404 {
				return withHint(f, restartHint)
			}
			return f
		}
		if d := diffStored(p.rec, stored); d != "" {
			return grader.Fail(sent, "the first delivery's record, unchanged: "+describe(p.rec), "%s: %s", describe(stored), d).
				WithHint("a duplicate must not write state: return before processing")
		}
	}
	return nil
}

// duplicatesDuring delivers a webhook whose order store call is held, then duplicates
// of it. Restate queues them behind the first (one exclusive handler per key); once
// the first completes, each must answer success with the first's record, and the
// gateways must have seen only the first delivery's calls.
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
		return fmt.Errorf("the order store call of %s was never held, yet its effects are complete", w.ID)
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
		return fmt.Errorf("release the held order store call of %s: %w", w.ID, err)
	}
	env.Step("released the order store call; waiting for all %d answers", 1+queuedDuplicates)
	first, err := receive(ctx, firstCh)
	if err != nil {
		return err
	}
	if first.err != nil {
		return unexpected(env, sent+": the first delivery", "success", first.err)
	}
	if d := diffRecord(w, ex5.StatusProcessed, first.rec); d != "" {
		return grader.Fail(sent+": the first delivery", recordExpectation(w, ex5.StatusProcessed), "%s: %s", describe(first.rec), d)
	}
	got := make([]answer, len(dups))
	for i, ch := range dups {
		if got[i], err = receive(ctx, ch); err != nil {
			return err
		}
		if got[i].err != nil {
			return withHint(unexpected(env, fmt.Sprintf("%s: duplicate %d", sent, i+1), "success once the first delivery completed", got[i].err),
				"a duplicate delivery is success for the sender: return the stored record with no error")
		}
	}
	// The ledger first: a duplicate processed again is the cause of any record that differs.
	if err := expectEffects(env, w, 1, sent, duplicateHint); err != nil {
		return err
	}
	if calls := effectsOf(env, w).all; len(calls) != 2 {
		return grader.Fail(sent, "2 gateway calls in all, both by the first delivery (mark paid, notify)",
			"%d gateway calls:\n%s", len(calls), calls).WithHint(noGatewayHint)
	}
	for i, a := range got {
		if d := diffDuplicate(w, first.rec, a.rec); d != "" {
			return grader.Fail(fmt.Sprintf("%s: duplicate %d", sent, i+1), "the record the first delivery returned: "+describe(first.rec),
				"%s: %s", describe(a.rec), d).WithHint("return the stored record unchanged for a duplicate")
		}
	}
	return nil
}

// receive waits for a delivery's answer.
func receive(ctx context.Context, ch <-chan answer) (answer, error) {
	select {
	case a := <-ch:
		return a, nil
	case <-ctx.Done():
		return answer{}, ctx.Err()
	}
}
