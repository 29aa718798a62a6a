package ex4

import (
	"context"
	"fmt"
	"time"

	"idempotency/contract/ex4"
	"idempotency/fixtures/world"
	"idempotency/grader"
	"idempotency/grader/internal/proxy"
)

// createSubject creates s and checks the answer against the request.
func createSubject(ctx context.Context, env *grader.Env, s *subject) error {
	return createSubjectAs(ctx, env, s, s.describeReq())
}

// createSubjectAs is createSubject with sent describing the call and its faults.
func createSubjectAs(ctx context.Context, env *grader.Env, s *subject, sent string) error {
	env.Step("%s", sent)
	got, err := createSub(ctx, env, s.key, s.request())
	if err != nil {
		return unexpected(env, s, sent, "a new active subscription", err)
	}
	if d := checkCreated(s, got); d != "" {
		return grader.Fail(sent, "an active subscription with the request's customer, plan and start date, keyed by the subscription ID",
			"%s: %s", describe(got), d)
	}
	s.sub = got
	s.charged, s.emails = s.plan.Price, 1
	return nil
}

// expectStored checks that GetSubscription returns want.
func expectStored(ctx context.Context, env *grader.Env, key string, want ex4.Subscription, when string) error {
	sent := "GetSubscription " + key + " " + when
	env.Step("%s", sent)
	got, err := getSub(ctx, env, key)
	if err != nil {
		return unexpected(env, nil, sent, describe(want), err)
	}
	if d := diffSubs(want, got); d != "" {
		return grader.Fail(sent, describe(want), "GetSubscription returned %s: %s", describe(got), d)
	}
	return nil
}

// background is a call running on its own goroutine while the scenario programs faults.
type background struct {
	done chan struct{}
	sub  ex4.Subscription
	err  error
}

func inBackground(f func() (ex4.Subscription, error)) *background {
	b := &background{done: make(chan struct{})}
	go func() {
		defer close(b.done)
		b.sub, b.err = f()
	}()
	return b
}

func (b *background) wait(ctx context.Context) (ex4.Subscription, error) {
	select {
	case <-b.done:
		return b.sub, b.err
	case <-ctx.Done():
		return ex4.Subscription{}, ctx.Err()
	}
}

// waitParked waits until a gateway call that matches m is parked, or until b ends
// without one (parked is false then: the handler never made that call).
func waitParked(ctx context.Context, env *grader.Env, b *background, m ...world.Matcher) (ref world.CallRef, parked bool, err error) {
	pctx, cancel := context.WithCancel(ctx)
	defer cancel()
	type result struct {
		ref world.CallRef
		err error
	}
	ch := make(chan result, 1)
	go func() {
		ref, err := env.World.WaitParked(pctx, m...)
		ch <- result{ref, err}
	}()
	select {
	case r := <-ch:
		if r.err != nil {
			return world.CallRef{}, false, fmt.Errorf("wait for a parked gateway call: %w", r.err)
		}
		return r.ref, true, nil
	case <-b.done:
		return world.CallRef{}, false, nil
	}
}

// welcomeMatch selects the SMTP calls to a customer's address.
func smtpTo(email string) []world.Matcher {
	return []world.Matcher{world.Gateway(world.SMTP), world.Arg(world.ArgRecipient, email)}
}

func chargesOf(customer string) []world.Matcher {
	return []world.Matcher{world.Gateway(world.Charge), world.Arg(world.ArgCustomerID, customer)}
}

// afterRunCrash is a crash right after the next recorded run, armed on every invocation
// that may hold a parked gateway call of one subscription: its own handler, and any
// invocation it called and that is still running (a helper service that sends the email
// or takes the charge inside its own restate.Run, say). A helper's run is recorded as
// surely as the handler's, so either design is judged the same way.
type afterRunCrash struct{ crashes []*grader.Crash }

func (c *afterRunCrash) Fired() int {
	n := 0
	for _, cr := range c.crashes {
		n += cr.Fired()
	}
	return n
}

func (c *afterRunCrash) Disarm() {
	for _, cr := range c.crashes {
		cr.Disarm()
	}
}

// armAfterRun arms the crash once a gateway call of subscription key is parked: on the
// subscription's handlers, and on the invocations they started that have not completed.
func armAfterRun(ctx context.Context, env *grader.Env, key string) (*afterRunCrash, error) {
	q := fmt.Sprintf(`SELECT target_service_name, target_service_key, target_handler_name FROM sys_invocation
		WHERE status != 'completed' AND invoked_by_target LIKE '%s/%s/%%' AND target_service_name != '%s'`,
		ex4.ServiceName, key, ex4.ServiceName)
	var rows []struct {
		Service string  `json:"target_service_name"`
		Key     *string `json:"target_service_key"`
		Handler string  `json:"target_handler_name"`
	}
	c := &afterRunCrash{crashes: []*grader.Crash{env.ArmCrash(target(key, ""), proxy.CrashAfterRunRecorded, 1)}}
	qctx, cancel := context.WithTimeout(ctx, 10*time.Second)
	defer cancel()
	if err := env.Admin.Query(qctx, q, &rows); err != nil {
		// Without the list, the crash is armed on the subscription's own handlers only,
		// which is all a design without helper services needs.
		env.Step("(could not list the invocations %s started, so the crash is armed on its own handlers only: %v)", key, err)
		return c, nil
	}
	for _, r := range rows {
		t := grader.Target{Service: r.Service, Handler: r.Handler}
		if r.Key != nil {
			t.Key = *r.Key
		}
		c.crashes = append(c.crashes, env.ArmCrash(t, proxy.CrashAfterRunRecorded, 1))
	}
	return c, nil
}
