package ex5

import (
	"context"
	"fmt"
	"time"

	"idempotency/contract/ex5"
	"idempotency/fixtures/world"
	"idempotency/grader"
	"idempotency/grader/proxy"
)

// clockMargins are how far inside the tolerance the clock check signs its webhook: the
// first attempt must read its clock within the margin (less a second of rounding) of
// the signing. The second margin is used only when the first attempt refused a
// signature that was inside the tolerance when it was sent, which only a machine too
// busy to run the handler in time does (a too strict tolerance has failed earlier).
var clockMargins = []time.Duration{3 * time.Second, 10 * time.Second}

const clockHint = "read the clock for the tolerance check inside restate.Run: Restate journals its result, so a retry minutes later " +
	"replays the first attempt's time and decides as it did. With time.Now() read directly, the retry of a webhook signed 4m57s before it " +
	"arrived finds it stale and refuses a webhook whose processing has begun"

// clockRetry checks the README's "read the clock inside restate.Run": a webhook signed
// just inside the tolerance is held in the order store until its signature is more than
// 5 minutes old, then its attempt crashes before completion. Restate's retry replays the
// journal and must take the first attempt's decision: success. No race decides it: the
// first attempt is seen to accept the signature (its order store call arrives), and the
// hold lasts until the signature is stale by the wall clock.
type clockRetry struct {
	env      *grader.Env
	w        webhook
	paid     []world.Matcher
	park     *world.Rule
	crash    *grader.Crash
	signedAt time.Time
	ch       <-chan answer
	cancel   context.CancelFunc
}

// startClockRetry sends the webhook and returns at once; finish judges it.
func startClockRetry(ctx context.Context, env *grader.Env) (*clockRetry, error) {
	w := newWebhook(env, ex5.PaymentSucceeded)
	c := &clockRetry{env: env, w: w, paid: []world.Matcher{world.Gateway(world.MarkPaid), world.Arg(world.ArgOrderID, w.OrderID)}}
	c.park = env.World.On(c.paid...).Times(1).Park()
	env.Step("ProcessWebhook %s signed just inside the 5-minute tolerance, its order store call held until the signature is stale, "+
		"then its attempt crashed before completion (Restate retries it)", w.ID)
	c.send(ctx, clockMargins[0])
	return c, nil
}

func (c *clockRetry) send(ctx context.Context, margin time.Duration) {
	if c.crash != nil {
		c.crash.Disarm()
	}
	if c.cancel != nil {
		c.cancel()
	}
	c.crash = c.env.ArmCrash(target(c.w.ID, ex5.ProcessWebhook), proxy.CrashBeforeCompletion, 1)
	c.signedAt = time.Now().Add(margin - ex5.SignatureTolerance).Truncate(time.Second)
	dctx, cancel := context.WithCancel(ctx)
	c.cancel = cancel
	body := c.w.body()
	c.ch = deliverAsync(dctx, c.env, c.w.ID, body, c.env.World.SignWebhook(c.signedAt, body))
}

// finish waits for the first attempt to reach the order store, holds it there until
// the signature is stale, lets it go and judges the retry's answer.
func (c *clockRetry) finish(ctx context.Context) (processed, error) {
	env, w := c.env, c.w
	var ref world.CallRef
	for attempt := 1; ; attempt++ {
		r, early, err := waitParkedOrAnswer(ctx, env, c.paid, c.ch)
		if err != nil {
			return processed{}, err
		}
		if early == nil {
			ref = r
			break
		}
		if grader.Code(early.err) == 401 && attempt < len(clockMargins) {
			c.send(ctx, clockMargins[attempt])
			continue
		}
		sent := fmt.Sprintf("ProcessWebhook: the %s, signed %s before it was sent (inside the 5-minute tolerance)", w, ex5.SignatureTolerance-clockMargins[attempt-1])
		if early.err != nil {
			f := unexpected(env, sent, "success", early.err)
			if grader.Code(early.err) == 401 {
				return processed{}, withHint(f, toleranceHint)
			}
			return processed{}, f
		}
		return processed{}, grader.Fail(sent, expectation(w, 1), "it answered %s without calling the order store", describe(early.rec)).
			WithHint(processingHint(w))
	}

	stale := c.signedAt.Add(ex5.SignatureTolerance + time.Second)
	if err := sleepUntil(ctx, stale); err != nil {
		return processed{}, err
	}
	env.Step("the signature of %s is now stale: released its order store call; Restate retried the crashed attempt", w.ID)
	if err := env.World.Release(ref); err != nil {
		return processed{}, fmt.Errorf("release the held order store call of %s: %w", w.ID, err)
	}
	var a answer
	select {
	case a = <-c.ch:
	case <-ctx.Done():
		return processed{}, ctx.Err()
	}
	sent := fmt.Sprintf("ProcessWebhook: the %s, signed just inside the 5-minute tolerance; its first attempt accepted the signature and "+
		"called the order store, which the grader held until the signature was more than 5 minutes old; then the attempt crashed just "+
		"before completion and Restate retried it", w)
	if a.err != nil {
		return processed{}, withHint(unexpected(env, sent, "success: the retry replays the first attempt's decision on the signature", a.err), clockHint)
	}
	if err := c.crash.Check(); err != nil {
		return processed{}, err
	}
	if d := diffRecord(w, ex5.StatusProcessed, a.rec); d != "" {
		return processed{}, grader.Fail(sent, recordExpectation(w, ex5.StatusProcessed), "%s: %s", describe(a.rec), d)
	}
	return processed{w, a.rec}, nil
}

// stop takes back what the check armed, when the scenario ends early or late.
func (c *clockRetry) stop() {
	c.park.Remove()
	c.crash.Disarm()
	c.env.World.ReleaseAll(c.paid...)
	c.cancel()
}

// sleepUntil waits until the wall clock reaches t: the property judged is about time
// having passed, so here (and only here) a wait on the clock is the point.
func sleepUntil(ctx context.Context, t time.Time) error {
	timer := time.NewTimer(time.Until(t))
	defer timer.Stop()
	select {
	case <-timer.C:
		return nil
	case <-ctx.Done():
		return ctx.Err()
	}
}
