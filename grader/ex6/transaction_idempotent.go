package ex6

import (
	"context"
	"errors"
	"fmt"
	"strings"

	"idempotency/contract/ex6"
	"idempotency/grader"
)

const concurrentRepeats = 3

func transactionIdempotent() grader.Scenario {
	return grader.Scenario{
		ID:     "transaction-idempotent",
		Title:  "Entire transaction is idempotent",
		Points: 20,
		Hint: "at the start of ProcessOrder read the stored result (restate.Get) and return it when there is one; " +
			"store the result, completed or failed, with restate.Set before returning it; GetOrderResult reads it (404 before)",
		Needs:   map[string][]string{ex6.OrchestratorName: {ex6.ProcessOrder, ex6.GetOrderResult}},
		Timeout: loadedTimeout,
		Run:     runTransactionIdempotent,
	}
}

// runTransactionIdempotent processes three orders (a completed one whose payment
// includes shipping, a declined one, another completed one), then repeats them, the
// oldest first, and reads every result back; and again after the service process was
// restarted, because the result is stored state.
func runTransactionIdempotent(ctx context.Context, env *grader.Env) error {
	a := withShippingFee(newOrder(env))
	d := declinedOrder(env)
	b := newOrder(env)
	orders := []order{a, d, b}
	never := env.NewKey(ex6.OrchestratorName, "ord")

	if err := expect404(ctx, env, a.ID, "GetOrderResult "+a.ID+" before any ProcessOrder"); err != nil {
		return err
	}
	first := map[string]ex6.OrderResult{}
	before := map[string]effects{}
	for _, o := range orders {
		res, e, err := processFirst(ctx, env, o)
		if err != nil {
			return err
		}
		first[o.ID], before[o.ID] = res, e
	}
	if err := expect404(ctx, env, never, fmt.Sprintf("GetOrderResult %s, an order never processed, after %s were processed",
		never, strings.Join(ids(orders), ", "))); err != nil {
		return err
	}

	// Repeats, the oldest order first: a check of the latest order only would miss a
	// service that remembers just its last one.
	repeat := func(ctx context.Context, o order, what string, req ex6.OrderRequest) error {
		sent := fmt.Sprintf("ProcessOrder %s again (%s)", o.ID, what)
		env.Step("%s", sent)
		got, err := processOrderWith(ctx, env, o.ID, req)
		if err != nil {
			return unexpected(env, sent, "the first result: "+describeResult(first[o.ID]), err, answerHint)
		}
		if err := expectSame(sent, first[o.ID], got); err != nil {
			return err
		}
		return expectLatestNoRerun(ctx, env, o, sent)
	}
	concurrently := func(o order) error {
		sent := fmt.Sprintf("%d concurrent ProcessOrder calls for %s, after it was processed", concurrentRepeats, o.ID)
		env.Step("%s", sent)
		results, err := processConcurrently(ctx, env, o, concurrentRepeats)
		if err != nil {
			return unexpected(env, sent, "the first result every time", err, answerHint)
		}
		for i := range results {
			if err := expectSame(fmt.Sprintf("%s (call %d)", sent, i+1), first[o.ID], results[i]); err != nil {
				return err
			}
		}
		return nil
	}
	other := a.Req
	other.Payment.Amount += 100
	other.ShippingAddress = "1 Other Street, Elsewhere"
	for _, step := range []func() error{
		func() error {
			return repeat(ctx, a, fmt.Sprintf("same request, after %s and %s were processed", d.ID, b.ID), a.Req)
		},
		func() error { return repeat(ctx, a, "other amount and address", other) },
		func() error { return concurrently(a) },
		func() error { return repeat(ctx, d, "same request", d.Req) },
		func() error { return concurrently(d) },
		func() error { return repeat(ctx, b, "same request", b.Req) },
	} {
		if err := step(); err != nil {
			return err
		}
	}
	for _, o := range orders {
		env.Step("GetOrderResult %s", o.ID)
		if err := expectStored(ctx, env, o, first[o.ID], "GetOrderResult "+o.ID+" after ProcessOrder"); err != nil {
			return err
		}
	}
	if err := expectNoEffectOfRepeats(ctx, env, orders, before, "ProcessOrder repeated (same request, other body, concurrently)"); err != nil {
		return err
	}

	env.AfterRestart("the results of "+strings.Join(ids(orders), ", "), func(ctx context.Context) error {
		for _, o := range orders {
			sent := "GetOrderResult " + o.ID + " after the service process was restarted"
			env.Step("%s", sent)
			if err := expectStored(ctx, env, o, first[o.ID], sent); err != nil {
				return err
			}
			if err := repeat(ctx, o, "after the service process was restarted", o.Req); err != nil {
				return err
			}
		}
		return expectNoEffectOfRepeats(ctx, env, orders, before, "ProcessOrder repeated after the service process was restarted")
	})
	return nil
}

// processFirst processes o for the first time and judges its answer and effects: all
// of them for a completed order; for a failed one only the answer (its effects are the
// compensation criterion's).
func processFirst(ctx context.Context, env *grader.Env, o order) (ex6.OrderResult, effects, error) {
	sent := "ProcessOrder " + o.describe()
	env.Step("ProcessOrder %s (%s)", o.ID, expectedOutcome(o))
	res, err := process(ctx, env, o, sent)
	if err != nil {
		return res, effects{}, err
	}
	if err := settle(ctx, env, o); err != nil {
		return res, effects{}, err
	}
	e := observe(env, o)
	ps := checkStatus(o, res)
	if o.FailAt == stepNone {
		ps = check(o, e, res, lenient)
	}
	ps = append(ps, checkResult(o, e, res)...)
	return res, e, judge(ctx, env, o, sent, ps)
}

// expect404 calls GetOrderResult for an order that has not been processed.
func expect404(ctx context.Context, env *grader.Env, key, sent string) error {
	env.Step("%s", sent)
	r, err := getOrderResult(ctx, env, key)
	if grader.Code(err) == 404 {
		return nil
	}
	const hint = "GetOrderResult returns the stored result of this order (its object key), or " +
		"restate.ToTerminalError(err, restate.WithErrorCode(404)) when there is none: a plain error is retried by Restate"
	if err != nil {
		return unexpected(env, sent, "a terminal 404: the order has not been processed", err, hint)
	}
	return grader.Fail(sent, "a terminal 404: the order has not been processed", "success: %s", describeResult(r)).WithHint(hint)
}

// expectNoEffectOfRepeats waits for the orders' invocations to finish and checks that
// the repeats added no effect and called no participant.
func expectNoEffectOfRepeats(ctx context.Context, env *grader.Env, orders []order, before map[string]effects, sent string) error {
	if err := settle(ctx, env, orders...); err != nil {
		return err
	}
	for _, o := range orders {
		if err := expectNothingAdded(ctx, env, o, before[o.ID], sent+": "+o.describe()); err != nil {
			return err
		}
	}
	for _, o := range orders {
		if err := expectNoRerun(ctx, env, o, sent+": "+o.ID); err != nil {
			return err
		}
	}
	return nil
}

// expectLatestNoRerun checks that the repeat just answered (the latest ProcessOrder
// invocation of o) called no participant.
func expectLatestNoRerun(ctx context.Context, env *grader.Env, o order, sent string) error {
	invs, err := processInvocations(ctx, env, o.ID)
	if err != nil {
		return err
	}
	if len(invs) < 2 {
		return errors.New("introspection lists fewer than 2 ProcessOrder invocations for " + o.ID + " after it was repeated")
	}
	return expectNoCalls(ctx, env, invs[len(invs)-1:], sent)
}

// expectNoRerun checks that no repeat of ProcessOrder called a participant: a repeat
// must answer from the stored result. Relying on the participants' idempotency keys
// alone holds only while Restate remembers them (24 h by default).
func expectNoRerun(ctx context.Context, env *grader.Env, o order, sent string) error {
	invs, err := processInvocations(ctx, env, o.ID)
	if err != nil {
		return err
	}
	if len(invs) < 2 {
		return errors.New("introspection lists fewer than 2 ProcessOrder invocations for " + o.ID + " after it was repeated")
	}
	return expectNoCalls(ctx, env, invs[1:], sent)
}

// expectNoCalls fails when the journal of a repeat of ProcessOrder has participant calls.
func expectNoCalls(ctx context.Context, env *grader.Env, repeats []invocation, sent string) error {
	ids := make([]string, len(repeats))
	for i, inv := range repeats {
		ids[i] = inv.ID
	}
	calls, err := journalCalls(ctx, env, ids)
	if err != nil {
		return err
	}
	for _, inv := range repeats {
		if n := calls[inv.ID]; n > 0 {
			return grader.Fail(sent, "the repeat answers from the stored result, without calling a participant again",
				"this repeat of ProcessOrder (%s) made %d calls to participant services (Restate's journal of that invocation): it ran the transaction again",
				inv.ID, n).
				WithHint("check for a stored result in Restate state at the very start of ProcessOrder and return it: idempotency keys alone protect " +
					"a re-run only while Restate remembers them (24 hours by default), and a result kept in a Go variable is lost on a restart")
		}
	}
	return nil
}
