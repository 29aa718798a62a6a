package ex6

import (
	"context"
	"fmt"
	"strings"

	"idempotency/contract/ex6"
	"idempotency/fixtures/world"
	"idempotency/grader"
)

func compensation() grader.Scenario {
	return grader.Scenario{
		ID:     "compensation",
		Title:  "Failures trigger compensating actions",
		Points: 20,
		Hint: "when a participant answers with a terminal error, undo what the earlier steps did: a declined payment releases " +
			"the reservation; a failed label refunds the charge and releases the reservation; then send the failure notice " +
			"and store a \"failed\" result",
		Needs:   map[string][]string{ex6.OrchestratorName: {ex6.ProcessOrder}},
		Timeout: loadedTimeout,
		Run:     runCompensation,
	}
}

// failing is an order that fails at a known step, and why.
type failing struct {
	o    order
	why  string
	rule *world.Rule // the programmed failure, if the inputs alone do not cause it
}

func (f failing) sent() string { return fmt.Sprintf("ProcessOrder %s; %s", f.o.describe(), f.why) }

// runCompensation processes three orders that fail at payment or at the label, all at
// once, and checks each compensation happened exactly once; then repeats them, the
// oldest first and then all at once, and again after the service process was restarted:
// still each compensation exactly once.
func runCompensation(ctx context.Context, env *grader.Env) error {
	refused := newOrder(env)
	refused.FailAt = stepLabel
	orders := []failing{
		{o: declinedOrder(env), why: "the customer's card is declined"},
		{o: refundingWhole(undeliverableOrder(env)), why: "the address is undeliverable; the payment includes shipping"},
		{o: refused, why: "the shipping gateway refuses the label (carrier refused the parcel)",
			rule: env.World.On(world.Gateway(world.CreateLabel), world.Arg(world.ArgOrderID, refused.ID)).FailPermanently("carrier refused the parcel")},
	}
	return runFailing(ctx, env, orders, nil)
}

// firstDuplicates is how many identical ProcessOrder calls each failing order gets at
// first, all orders at once.
const firstDuplicates = 2

// runFailing processes the failing orders at once, each as concurrent duplicates, and
// judges every compensation (and then more, if given); then repeats the
// orders, the oldest first and then all at once, and again after a restart of the
// service process: the answers stay the first and no effect is added.
func runFailing(ctx context.Context, env *grader.Env, fs []failing, more func(context.Context, *grader.Env, failing) error) error {
	orders := make([]order, len(fs))
	whys := make([]string, len(fs))
	for i, f := range fs {
		orders[i] = f.o
		whys[i] = fmt.Sprintf("%s: %s", f.o.ID, f.why)
	}
	sent := fmt.Sprintf("%d failing orders, %d identical calls each, all at once (%s)", len(fs), firstDuplicates, strings.Join(whys, "; "))
	env.Step("%s", sent)
	first, err := processAll(ctx, env, orders, firstDuplicates, sent)
	if err != nil {
		return err
	}
	if err := settle(ctx, env, orders...); err != nil {
		return err
	}
	for i, f := range fs {
		if err := expectEffects(ctx, env, f.o, first[i], f.sent(), strict); err != nil {
			return err
		}
		if err := expectFired(f, "the order never reached that gateway call, so the programmed failure never happened"); err != nil {
			return err
		}
		if err := expectRefusedOnce(ctx, env, f); err != nil {
			return err
		}
		if more != nil {
			if err := more(ctx, env, f); err != nil {
				return err
			}
		}
	}
	again := func(ctx context.Context, what string) error {
		if err := settle(ctx, env, orders...); err != nil {
			return err
		}
		for i, f := range fs {
			if err := expectEffects(ctx, env, f.o, first[i], f.sent()+", then "+what, strict); err != nil {
				return err
			}
		}
		return nil
	}
	// The oldest first, then all at once.
	for i, f := range fs {
		sent := fmt.Sprintf("ProcessOrder %s again", f.o.ID)
		env.Step("%s", sent)
		got, err := processOrder(ctx, env, f.o)
		if err != nil {
			return unexpected(env, sent, "the first result: "+describeResult(first[i]), err, answerHint)
		}
		if err := expectSame(sent, first[i], got); err != nil {
			return err
		}
	}
	sent = fmt.Sprintf("the %d failing orders again, 2 calls each, all at once", len(fs))
	env.Step("%s", sent)
	got, err := processAll(ctx, env, orders, 2, sent)
	if err != nil {
		return err
	}
	for i := range fs {
		if err := expectSame(sent, first[i], got[i]); err != nil {
			return err
		}
	}
	if err := again(ctx, "ProcessOrder again (one by one, the oldest first, then all at once)"); err != nil {
		return err
	}
	env.AfterRestart("the failed orders "+strings.Join(ids(orders), ", "), func(ctx context.Context) error {
		for i, f := range fs {
			sent := fmt.Sprintf("ProcessOrder %s again, after the service process was restarted", f.o.ID)
			env.Step("%s", sent)
			got, err := processOrder(ctx, env, f.o)
			if err != nil {
				return unexpected(env, sent, "the first result: "+describeResult(first[i]), err, answerHint)
			}
			if err := expectSame(sent, first[i], got); err != nil {
				return err
			}
		}
		return again(ctx, "ProcessOrder again after the service process was restarted")
	})
	return nil
}

// expectFired fails when the failure programmed for f never happened: the order did
// not reach the gateway call it was programmed on (its effects were judged first).
func expectFired(f failing, why string) error {
	if f.rule == nil || f.rule.Fired() > 0 {
		return nil
	}
	return grader.Fail(f.sent(), fmt.Sprintf("the order reaches the step %q, whose gateway call fails (%s)", stepNames[f.o.FailAt], f.rule),
		"%s", why).
		WithHint("run every step of the transaction in order: reserve stock, charge, buy the label, confirm")
}
