package ex4

import (
	"context"
	"fmt"

	"idempotency/contract/ex4"
	"idempotency/fixtures/world"
	"idempotency/grader"
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
