package ex5

import (
	"context"
	"fmt"
	"time"

	"idempotency/contract/ex5"
	"idempotency/fixtures/world"
	"idempotency/grader"
)

const permanentHint = "a permanent refusal (errors.Is(err, fixtures.ErrPermanent)) will not go away if the call is made again: make it terminal " +
	"inside the restate.Run (restate.ToTerminalError(err)), so that Restate stops retrying it, and record the webhook as failed; " +
	"return only transient errors as they are"

// refusal is a gateway that refuses one webhook's call for good.
type refusal struct {
	typ     string // the webhook's type
	gateway string // world.MarkPaid or world.Notify
	what    string // "the order store", "the notification gateway"
	match   func(webhook) world.Matcher
}

// refusals are the permanent refusals side-effects sends, one per gateway: a service
// that makes only one of them terminal is caught whichever it is.
var refusals = []refusal{
	{typ: ex5.PaymentSucceeded, gateway: world.MarkPaid, what: "the order store",
		match: func(w webhook) world.Matcher { return world.Arg(world.ArgOrderID, w.OrderID) }},
	{typ: ex5.PaymentFailed, gateway: world.Notify, what: "the notification gateway",
		match: func(w webhook) world.Matcher { return world.Arg(world.ArgCustomerID, w.CustomerID) }},
}

// underPermanentRefusal delivers a new webhook whose gateway call r refuses for good:
// the refusal must not be retried, so the gateway sees that call once. The answer and
// the record are not judged (the README leaves them open).
func underPermanentRefusal(ctx context.Context, env *grader.Env, r refusal) error {
	w := newWebhook(env, r.typ)
	rule := env.World.On(world.Gateway(r.gateway), r.match(w)).FailPermanently("")
	defer rule.Remove()
	sent := fmt.Sprintf("ProcessWebhook: the %s, while %s refuses its call for good (a permanent error)", w, r.what)
	env.Step("ProcessWebhook %s while %s refuses it for good", w.ID, r.what)
	ch := deliverAsync(ctx, env, w.ID, w.body(), env.World.SignWebhook(time.Now(), w.body()))

	// The verdict comes from whichever happens first: the delivery answers (then every
	// call it made is in the ledger), or the refused call arrives a second time.
	wctx, cancel := context.WithCancel(ctx)
	defer cancel()
	again := make(chan error, 1)
	go func() { again <- rule.WaitFired(wctx, 2) }()
	var a *answer
	select {
	case got := <-ch:
		a = &got
	case err := <-again:
		if err != nil && ctx.Err() != nil {
			return ctx.Err()
		}
	case <-ctx.Done():
		return ctx.Err()
	}
	if a != nil && grader.IsHarness(a.err) {
		return a.err
	}
	refused := env.World.Calls(world.Gateway(r.gateway), r.match(w))
	switch fired := rule.Fired(); {
	case fired == 1:
		return nil
	case fired == 0:
		observed := "it never called " + r.what
		if a != nil && a.err == nil {
			observed += fmt.Sprintf("; ProcessWebhook answered %s", describe(a.rec))
		} else if a != nil {
			observed += "; ProcessWebhook answered " + a.err.Error()
		}
		return grader.Fail(sent, fmt.Sprintf("one call to %s, refused, and not made again", r.what), "%s", observed).
			WithHint(processingHint(w))
	default:
		return grader.Fail(sent, fmt.Sprintf("one call to %s, refused, and not made again: a permanent refusal is not retried", r.what),
			"%s was called %d times about it, refused each time:\n%s", r.what, fired, refused).
			WithHint(permanentHint)
	}
}
