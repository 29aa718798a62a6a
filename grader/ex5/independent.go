package ex5

import (
	"context"
	"fmt"
	"sync"
	"time"

	"idempotency/contract/ex5"
	"idempotency/fixtures/world"
	"idempotency/grader"
)

const (
	burst = 10 // webhooks delivered at once
	// neighbours are delivered while one webhook is held in a gateway, and again while
	// another fails for good; each group must finish within neighbourDeadline.
	neighbours        = 4
	neighbourDeadline = 10 * time.Second
)

const independentHint = "keep every webhook's work on its own object key and out of shared Go state: no package-level lock, " +
	"map or channel that one webhook's slow or failing gateway call can hold up for the others"

func independent() grader.Scenario {
	return grader.Scenario{
		ID:      "independent",
		Title:   "Different webhooks processed independently",
		Points:  25,
		Hint:    independentHint,
		Timeout: 60 * time.Second,
		Run:     runIndependent,
	}
}

func runIndependent(ctx context.Context, env *grader.Env) error {
	hooks := make([]webhook, burst)
	for i := range hooks {
		typ := ex5.PaymentSucceeded
		if i%3 == 1 {
			typ = ex5.PaymentFailed
		}
		hooks[i] = newWebhook(env, typ)
	}
	env.Step("%d different webhooks delivered at once", burst)
	if err := deliverAll(ctx, env, hooks, fmt.Sprintf("%d different webhooks delivered at once", burst), 0); err != nil {
		return err
	}
	return blockedNeighbours(ctx, env)
}

// deliverAll delivers hooks concurrently and checks each answer and each webhook's own
// effects. A deadline > 0 bounds how long they may take together.
func deliverAll(ctx context.Context, env *grader.Env, hooks []webhook, sent string, deadline time.Duration) error {
	dctx := ctx
	if deadline > 0 {
		var cancel context.CancelFunc
		dctx, cancel = context.WithTimeout(ctx, deadline)
		defer cancel()
	}
	answers := make([]answer, len(hooks))
	var wg sync.WaitGroup
	for i, w := range hooks {
		wg.Go(func() {
			rec, err := deliverSigned(dctx, env, w, w.body())
			answers[i] = answer{rec: rec, err: err, at: time.Now()}
		})
	}
	wg.Wait()
	for i, w := range hooks {
		a := answers[i]
		what := fmt.Sprintf("%s; among them the %s", sent, w)
		if grader.IsHarness(a.err) && ctx.Err() == nil && dctx.Err() != nil {
			return grader.Fail(what, fmt.Sprintf("every one answered within %s", deadline),
				"no answer for %s after %s: it waited for another webhook", w.ID, deadline).WithHint(independentHint)
		}
		if a.err != nil {
			return unexpected(env, what, "success", a.err)
		}
		if d := diffRecord(w, ex5.StatusProcessed, a.rec); d != "" {
			return grader.Fail(what, recordExpectation(w, ex5.StatusProcessed), "%s: %s", describe(a.rec), d).
				WithHint("each webhook's answer is its own record: keep nothing about one webhook in shared Go variables")
		}
		if err := expectEffects(env, w, 1, what, "each webhook is processed once, by its own invocation, with its own data"); err != nil {
			return err
		}
	}
	return nil
}

// blockedNeighbours holds one webhook in the order store and makes another one's order
// store call fail for good: webhooks delivered meanwhile finish regardless, and the
// held one completes once released.
func blockedNeighbours(ctx context.Context, env *grader.Env) error {
	held := newWebhook(env, ex5.PaymentSucceeded)
	heldCall := []world.Matcher{world.Gateway(world.MarkPaid), world.Arg(world.ArgOrderID, held.OrderID)}
	park := env.World.On(heldCall...).Times(1).Park()
	defer park.Remove()
	defer env.World.ReleaseAll(heldCall...)

	heldSent := fmt.Sprintf("ProcessWebhook: the %s, with its order store call held", held)
	env.Step("ProcessWebhook %s with its order store call held", held.ID)
	heldCh := deliverAsync(ctx, env, held.ID, held.body(), env.World.SignWebhook(time.Now(), held.body()))
	ref, early, err := waitParkedOrAnswer(ctx, env, heldCall, heldCh)
	if err != nil {
		return err
	}
	if early != nil {
		if early.err != nil {
			return unexpected(env, heldSent, "success once the order store answers", early.err)
		}
		if err := expectEffects(env, held, 1, heldSent, "process each webhook once"); err != nil {
			return err
		}
		return fmt.Errorf("harness: the order store call of %s was never held, yet its effects are complete", held.ID)
	}

	others := make([]webhook, neighbours)
	for i := range others {
		others[i] = newWebhook(env, ex5.PaymentSucceeded)
	}
	env.Step("%d other webhooks while %s is held", neighbours, held.ID)
	sent := fmt.Sprintf("%d other webhooks delivered at once while the order store call of webhook %s was held", neighbours, held.ID)
	if err := deliverAll(ctx, env, others, sent, neighbourDeadline); err != nil {
		return err
	}

	failing := newWebhook(env, ex5.PaymentSucceeded)
	refuse := env.World.On(world.Gateway(world.MarkPaid), world.Arg(world.ArgOrderID, failing.OrderID)).
		FailPermanently("order " + failing.OrderID + " is archived")
	defer refuse.Remove()
	env.Step("ProcessWebhook %s, whose order store call fails for good", failing.ID)
	// Its own outcome is not judged here: only that it does not hold up the others.
	failingCtx, stopFailing := context.WithCancel(ctx)
	defer stopFailing()
	_ = deliverAsync(failingCtx, env, failing.ID, failing.body(), env.World.SignWebhook(time.Now(), failing.body()))
	if err := refuse.WaitFired(ctx, 1); err != nil {
		return fmt.Errorf("harness: %w", err)
	}
	for i := range others {
		others[i] = newWebhook(env, ex5.PaymentFailed)
	}
	env.Step("%d other webhooks while %s is held and %s fails", neighbours, held.ID, failing.ID)
	sent = fmt.Sprintf("%d other webhooks delivered at once while webhook %s was held and webhook %s kept failing in the order store", neighbours, held.ID, failing.ID)
	if err := deliverAll(ctx, env, others, sent, neighbourDeadline); err != nil {
		return err
	}
	if len(env.World.Parked(heldCall...)) != 1 {
		return fmt.Errorf("harness: the order store call of %s is no longer held", held.ID)
	}

	env.Step("released %s", held.ID)
	if err := env.World.Release(ref); err != nil {
		return fmt.Errorf("harness: %w", err)
	}
	a := <-heldCh
	if a.err != nil {
		return unexpected(env, heldSent+", then released", "success", a.err)
	}
	if d := diffRecord(held, ex5.StatusProcessed, a.rec); d != "" {
		return grader.Fail(heldSent+", then released", recordExpectation(held, ex5.StatusProcessed), "%s: %s", describe(a.rec), d)
	}
	return expectEffects(env, held, 1, heldSent+", then released", "process each webhook once")
}
