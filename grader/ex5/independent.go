package ex5

import (
	"context"
	"fmt"
	"strings"
	"time"

	"idempotency/contract/ex5"
	"idempotency/fixtures/world"
	"idempotency/grader"
)

const (
	burst = 10 // webhooks delivered at once
	// neighbours are delivered while one webhook is held in the order store and another
	// keeps failing there.
	neighbours = 6
	// stall is how long the neighbours may make no progress at all (no answer, no
	// gateway call) before the grader concludes they wait for the held or failing
	// webhook. It is not a deadline: a loaded machine slows progress, it does not stop
	// it; and the verdict is confirmed by what happens once the two are let go.
	stall = 15 * time.Second
)

const independentHint = "keep every webhook's work on its own object key and out of shared Go state: no package-level lock, " +
	"map or channel, and no single object every webhook goes through, that one webhook's slow or failing gateway call can hold up for the others"

func independent() grader.Scenario {
	return grader.Scenario{
		ID:      "independent",
		Title:   "Different webhooks processed independently",
		Points:  25,
		Hint:    independentHint,
		Needs:   needs(ex5.ProcessWebhook),
		Timeout: 90 * time.Second,
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
	sent := fmt.Sprintf("%d different webhooks delivered at once", burst)
	answers := deliverEach(ctx, env, hooks)
	for i, w := range hooks {
		a, err := receive(ctx, answers[i])
		if err != nil {
			return err
		}
		if err := judgeOwn(env, w, a, fmt.Sprintf("%s; among them the %s", sent, w)); err != nil {
			return err
		}
	}
	return heldAndFailing(ctx, env)
}

// deliverEach delivers hooks at once, each signed as it is sent.
func deliverEach(ctx context.Context, env *grader.Env, hooks []webhook) []<-chan answer {
	chs := make([]<-chan answer, len(hooks))
	for i, w := range hooks {
		chs[i] = deliverAsync(ctx, env, w.ID, w.body(), env.World.SignWebhook(time.Now(), w.body()))
	}
	return chs
}

// judgeOwn checks that a webhook answered its own record and had exactly its own effects.
func judgeOwn(env *grader.Env, w webhook, a answer, sent string) error {
	if a.err != nil {
		return unexpected(env, sent, "success", a.err)
	}
	if d := diffRecord(w, ex5.StatusProcessed, a.rec); d != "" {
		return grader.Fail(sent, recordExpectation(w, ex5.StatusProcessed), "%s: %s", describe(a.rec), d).
			WithHint("each webhook's answer is its own record: keep nothing about one webhook in shared Go variables")
	}
	return expectEffects(env, w, 1, sent, "each webhook is processed once, by its own invocation, with its own data")
}

// heldAndFailing holds one webhook in the order store and makes another one's order
// store calls fail (transiently, so Restate keeps retrying it). Webhooks delivered
// meanwhile must all complete while the first is still held; the held one completes
// once released.
func heldAndFailing(ctx context.Context, env *grader.Env) error {
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
		return fmt.Errorf("the order store call of %s was never held, yet its effects are complete", held.ID)
	}

	failing := newWebhook(env, ex5.PaymentSucceeded)
	failingCall := []world.Matcher{world.Gateway(world.MarkPaid), world.Arg(world.ArgOrderID, failing.OrderID)}
	refuse := env.World.On(failingCall...).FailTransiently("order store unavailable")
	defer refuse.Remove()
	env.Step("ProcessWebhook %s, whose order store calls keep failing (Restate retries them)", failing.ID)
	// Its own outcome is not judged here: only that it does not hold up the others.
	failingCtx, stopFailing := context.WithCancel(ctx)
	defer stopFailing()
	failingCh := deliverAsync(failingCtx, env, failing.ID, failing.body(), env.World.SignWebhook(time.Now(), failing.body()))
	failingSent := fmt.Sprintf("ProcessWebhook: the %s, whose order store calls fail (transiently), while webhook %s is held", failing, held.ID)
	switch a, fired, err := waitFired(ctx, refuse, failingCh, stall); {
	case err != nil:
		return err
	case a != nil && a.err != nil:
		return unexpected(env, failingSent, "a call to the order store, which fails, and Restate retrying it", a.err)
	case a != nil:
		return grader.Fail(failingSent, "a call to the order store, which fails, and Restate retrying it",
			"it answered %s without calling the order store", describe(a.rec)).WithHint(processingHint(failing))
	case !fired:
		env.World.ReleaseAll(heldCall...)
		obs := fmt.Sprintf("it did not reach the order store in %s while webhook %s was held there", stall, held.ID)
		if _, fired, _ := waitFired(ctx, refuse, failingCh, 2*stall); fired {
			obs += "; once the grader released " + held.ID + ", it did at once: it had waited for that webhook"
		}
		return grader.Fail(failingSent, "its order store call arrives while the other webhook is still held", "%s", obs).WithHint(independentHint)
	}

	others := make([]webhook, neighbours)
	for i := range others {
		typ := ex5.PaymentSucceeded
		if i%2 == 1 {
			typ = ex5.PaymentFailed
		}
		others[i] = newWebhook(env, typ)
	}
	env.Step("%d other webhooks at once while %s is held and %s keeps failing", neighbours, held.ID, failing.ID)
	sent := fmt.Sprintf("%d other webhooks delivered at once while webhook %s was held in the order store and webhook %s kept failing there",
		neighbours, held.ID, failing.ID)
	col := collect(ctx, others, deliverEach(ctx, env, others))
	stalled, err := col.whileProgressing(ctx, env)
	if err != nil {
		return err
	}
	if stalled > 0 {
		return col.blocked(ctx, env, sent, stalled, func() {
			env.World.ReleaseAll(heldCall...)
			refuse.Remove()
		})
	}
	answers := col.answers
	for i, w := range others {
		if err := judgeOwn(env, w, answers[i], fmt.Sprintf("%s; among them the %s", sent, w)); err != nil {
			return err
		}
	}
	if len(env.World.Parked(heldCall...)) != 1 {
		return grader.Fail(heldSent, "the order store call stays held until the grader releases it",
			"it is no longer held: the caller went away from it (your service process stopped, or gave up on the call)\n%s", env.ServiceState()).
			WithHint("wait for a gateway call as long as it takes: Restate retries an invocation that fails, and a call your process abandons may still take effect")
	}

	env.Step("released %s", held.ID)
	if err := env.World.Release(ref); err != nil {
		return fmt.Errorf("release the held order store call of %s: %w", held.ID, err)
	}
	a, err := receive(ctx, heldCh)
	if err != nil {
		return err
	}
	if err := judgeOwn(env, held, a, heldSent+", then released"); err != nil {
		return err
	}
	// Let the failing webhook go too, so that nothing is left running: not judged.
	refuse.Remove()
	drainCtx, cancel := context.WithTimeout(ctx, 20*time.Second)
	defer cancel()
	_, _ = receive(drainCtx, failingCh)
	return nil
}

// waitFired waits until rule has fired (fired), or the delivery answered first (a),
// or d has passed with neither.
func waitFired(ctx context.Context, rule *world.Rule, ch <-chan answer, d time.Duration) (a *answer, fired bool, err error) {
	wctx, cancel := context.WithTimeout(ctx, d)
	defer cancel()
	done := make(chan error, 1)
	go func() { done <- rule.WaitFired(wctx, 1) }()
	select {
	case err := <-done:
		if err == nil {
			return nil, true, nil
		}
		return nil, false, ctx.Err()
	case got := <-ch:
		if rule.Fired() > 0 {
			return nil, true, nil
		}
		return &got, false, nil
	}
}

// collector gathers the answers of webhooks delivered at once.
type collector struct {
	hooks   []webhook
	answers []answer // by index; at is zero until the answer came
	arrived chan arrival
	n       int // answers received
}

type arrival struct {
	i int
	a answer
}

func collect(ctx context.Context, hooks []webhook, chs []<-chan answer) *collector {
	c := &collector{hooks: hooks, answers: make([]answer, len(hooks)), arrived: make(chan arrival, len(hooks))}
	for i, ch := range chs {
		go func() {
			if a, err := receive(ctx, ch); err == nil {
				c.arrived <- arrival{i, a}
			}
		}()
	}
	return c
}

// about matches every gateway call about one of the webhooks.
func (c *collector) about(call world.Call) bool {
	for _, w := range c.hooks {
		if aboutWebhook(w)(call) {
			return true
		}
	}
	return false
}

// whileProgressing waits for every answer as long as the webhooks make progress (an
// answer, or a gateway call about one of them). When nothing has happened for stall,
// it returns how long nothing happened.
func (c *collector) whileProgressing(ctx context.Context, env *grader.Env) (time.Duration, error) {
	calls := len(env.World.Calls(c.about))
	last := time.Now()
	tick := time.NewTicker(50 * time.Millisecond)
	defer tick.Stop()
	for c.n < len(c.hooks) {
		select {
		case got := <-c.arrived:
			c.answers[got.i] = got.a
			c.n++
			last = time.Now()
		case <-tick.C:
			if n := len(env.World.Calls(c.about)); n != calls {
				calls, last = n, time.Now()
			}
			if quiet := time.Since(last); quiet >= stall {
				return quiet, nil
			}
		case <-ctx.Done():
			return 0, ctx.Err()
		}
	}
	return 0, nil
}

// blocked is the verdict on webhooks that stopped making progress while one webhook
// was held and another failing. It lets those two go (release) and watches what the
// others do then: finishing only now shows that they waited for them.
func (c *collector) blocked(ctx context.Context, env *grader.Env, sent string, quiet time.Duration, release func()) error {
	var waiting []string
	for i, w := range c.hooks {
		if c.answers[i].at.IsZero() {
			waiting = append(waiting, w.ID)
		}
	}
	answeredBefore := c.n
	release()
	wctx, cancel := context.WithTimeout(ctx, 2*stall)
	defer cancel()
	_, _ = c.whileProgressing(wctx, env)
	obs := fmt.Sprintf("%d of %d answered; %s made no progress for %s (no answer, no gateway call) while the other two were held or failing",
		answeredBefore, len(c.hooks), strings.Join(waiting, ", "), quiet.Round(time.Second))
	if later := c.n - answeredBefore; later > 0 {
		obs += fmt.Sprintf(". Once the grader released the held webhook and let the failing one succeed, %d of them completed: they had waited for those two", later)
	}
	return grader.Fail(sent, "every one completes while the held webhook is still held and the failing one still fails", "%s", obs).
		WithHint(independentHint)
}
