package ex5

import (
	"context"
	"errors"
	"fmt"
	"time"

	"idempotency/contract/ex5"
	"idempotency/fixtures/world"
	"idempotency/grader"
	"idempotency/grader/internal/proxy"
)

// clockMargins are how far inside the tolerance the clock check signs its webhook: the
// first attempt must read its clock within the margin (less a second of rounding) of
// the signing, and the check then waits the margin and a second for the signature to
// go stale. A larger margin is used only when the first attempt refused a signature
// that was inside the tolerance when it was sent, which only a machine too busy to run
// the handler within a second does (a too strict tolerance has failed an earlier step).
var clockMargins = []time.Duration{2 * time.Second, 10 * time.Second, 30 * time.Second}

const clockHint = "read the clock for the tolerance check inside restate.Run: Restate journals its result, so a retry minutes later " +
	"replays the first attempt's time and decides as it did. With time.Now() read directly, the retry of a webhook signed 4m58s before it " +
	"arrived finds it stale and refuses a webhook whose processing has begun"

// clockRetry checks the README's "read the clock inside restate.Run": a webhook signed
// just inside the tolerance is held in the order store until its signature is more than
// 5 minutes old, then its attempt crashes right after the order store call's Run is
// recorded. Restate's retry replays the journal and must take the first attempt's
// decision: success. No race decides it: the first attempt is seen to accept the
// signature (its order store call arrives), and the hold lasts until the signature is
// stale by the wall clock. The crash comes before the handler's own bookkeeping at its
// end, so a service that remembers webhooks in memory is not judged here.
type clockRetry struct {
	env      *grader.Env
	fault    proxy.Fault
	w        webhook
	paid     []world.Matcher
	park     *world.Rule
	crash    *grader.Crash
	signedAt time.Time
	ch       <-chan answer
	cancel   context.CancelFunc
}

// startClockRetry starts the check in the background and returns a function that waits
// for its verdict. It runs beside the scenario's other steps: its hold ends by the wall
// clock, so even a service that serialises every webhook only waits for it. The steps it
// reports are recorded when it starts and when its verdict is collected, so that the
// evidence reads the same in every run.
//
// wait(true) abandons the check (the scenario failed already) and waits for it to stop.
func startClockRetry(ctx context.Context, env *grader.Env) (wait func(abandon bool) (processed, error)) {
	// The second webhook is used only when ProcessWebhook records no restate.Run after
	// its gateway calls (it hands them to another handler): the crash then comes just
	// before completion instead.
	hooks := []webhook{newWebhook(env, ex5.PaymentSucceeded), newWebhook(env, ex5.PaymentSucceeded)}
	env.Step("ProcessWebhook %s signed just inside the 5-minute tolerance, its order store call held until the signature is stale, "+
		"then its attempt crashed once a restate.Run was recorded (Restate retries it)", hooks[0].ID)
	type verdict struct {
		p        processed
		err      error
		fallback bool
	}
	done := make(chan verdict, 1)
	cctx, cancel := context.WithCancel(ctx)
	go func() {
		p, err := newClockRetry(env, hooks[0], proxy.CrashAfterRunRecorded).run(cctx)
		if err != errNoRunAfter {
			done <- verdict{p, err, false}
			return
		}
		p, err = newClockRetry(env, hooks[1], proxy.CrashBeforeCompletion).run(cctx)
		done <- verdict{p, err, true}
	}()
	return func(abandon bool) (processed, error) {
		defer cancel()
		if abandon {
			cancel()
		}
		v := <-done
		env.Step("the signature of %s went stale while its order store call was held: released it; Restate retried the crashed attempt", hooks[0].ID)
		if v.fallback {
			env.Step("ProcessWebhook %s recorded no restate.Run after its order store call: the same with %s, crashed just before completion", hooks[0].ID, hooks[1].ID)
		}
		return v.p, v.err
	}
}

// errNoRunAfter says that a crash after a recorded Run had nowhere to land.
var errNoRunAfter = errors.New("no restate.Run was recorded after the gateway call")

func newClockRetry(env *grader.Env, w webhook, fault proxy.Fault) *clockRetry {
	c := &clockRetry{env: env, fault: fault, w: w, paid: []world.Matcher{world.Gateway(world.MarkPaid), world.Arg(world.ArgOrderID, w.OrderID)}}
	c.park = env.World.On(c.paid...).Times(1).Park()
	return c
}

func (c *clockRetry) run(ctx context.Context) (processed, error) {
	defer c.stop()
	c.send(ctx, clockMargins[0])
	return c.finish(ctx)
}

func (c *clockRetry) send(ctx context.Context, margin time.Duration) {
	if c.cancel != nil {
		c.cancel()
	}
	if c.fault == proxy.CrashBeforeCompletion {
		// Armed before the delivery: the attempt completes only after the release.
		if c.crash != nil {
			c.crash.Disarm()
		}
		c.crash = c.env.ArmCrash(target(c.w.ID, ex5.ProcessWebhook), c.fault, 1)
	}
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
	if c.fault == proxy.CrashAfterRunRecorded {
		// Armed only now, so that only a Run recorded from here on can fire it: the order
		// store call's own, or a later one. Any handler on the webhook's key will do.
		c.crash = env.ArmCrash(grader.Target{Key: w.ID}, c.fault, 1)
	}
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
		"called the order store, which the grader held until the signature was more than 5 minutes old; then the attempt crashed (%s) "+
		"and Restate retried it", w, c.fault)
	if a.err != nil {
		return processed{}, withHint(unexpected(env, sent, "success: the retry replays the first attempt's decision on the signature", a.err), clockHint)
	}
	if c.crash.Fired() == 0 {
		if c.fault == proxy.CrashAfterRunRecorded {
			return processed{}, errNoRunAfter
		}
		return processed{}, c.crash.Check()
	}
	if d := diffRecord(w, ex5.StatusProcessed, a.rec); d != "" {
		return processed{}, grader.Fail(sent, recordExpectation(w, ex5.StatusProcessed), "%s: %s", describe(a.rec), d)
	}
	return processed{w, a.rec}, nil
}

// stop takes back what the check armed, when the scenario ends early or late.
func (c *clockRetry) stop() {
	c.park.Remove()
	if c.crash != nil {
		c.crash.Disarm()
	}
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
