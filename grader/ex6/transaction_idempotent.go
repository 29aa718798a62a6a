package ex6

import (
	"context"
	"errors"
	"fmt"

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
		Run: runTransactionIdempotent,
	}
}

func runTransactionIdempotent(ctx context.Context, env *grader.Env) error {
	o := newOrder(env)
	sent := "GetOrderResult " + o.ID + " before any ProcessOrder"
	env.Step("%s", sent)
	if r, err := getOrderResult(ctx, env, o.ID); grader.Code(err) != 404 {
		if grader.IsHarness(err) {
			return err
		}
		obs := "success: " + describeResult(r)
		var ce *grader.CallError
		if errors.As(err, &ce) {
			obs = ce.Describe()
		}
		return grader.Fail(sent, "a terminal 404: the order has not been processed", "%s", obs).
			WithHint("GetOrderResult returns the stored result, or restate.ToTerminalError(err, restate.WithErrorCode(404)) when there is none")
	}
	if err := repeatOrder(ctx, env, o, true); err != nil {
		return err
	}
	return repeatOrder(ctx, env, declinedOrder(env), false)
}

// repeatOrder processes o, repeats it (also with another body, if changeBody, and
// concurrently), and checks that every answer is the first, the effects happened once
// and no repeat called a participant again.
func repeatOrder(ctx context.Context, env *grader.Env, o order, changeBody bool) error {
	sent := "ProcessOrder " + o.describe()
	env.Step("ProcessOrder %s", o.ID)
	first, err := process(ctx, env, o, sent)
	if err != nil {
		return err
	}
	if err := settle(ctx, env, o); err != nil {
		return err
	}
	// The first call's effects: exact for a completed order. A failed order's effects
	// are the compensation criterion's business; here only its repeats are judged.
	before := observe(env, o)
	ps := checkResult(o, before, first)
	if o.FailAt == stepNone {
		ps = check(o, before, first, lenient)
	}
	if len(ps) > 0 {
		return failure(sent, o, ps)
	}
	calls := 1
	repeat := func(what string, req ex6.OrderRequest) error {
		env.Step("ProcessOrder %s again (%s)", o.ID, what)
		calls++
		got, err := processOrderWith(ctx, env, o.ID, req)
		if err != nil {
			return env.Unexpected("ProcessOrder "+o.ID+" again ("+what+")", "the first result: "+describeResult(first), err)
		}
		if d := diffResults(first, got); d != "" {
			return grader.Fail("ProcessOrder "+o.ID+" again ("+what+")", "the first result: "+describeResult(first),
				"a different result: %s", d)
		}
		return nil
	}
	if err := repeat("same request", o.Req); err != nil {
		return err
	}
	if changeBody {
		other := o.Req
		other.Payment.Amount += 100
		other.ShippingAddress = "1 Other Street, Elsewhere"
		if err := repeat("other amount and address", other); err != nil {
			return err
		}
	}
	env.Step("%d concurrent ProcessOrder %s", concurrentRepeats, o.ID)
	results, errs := processConcurrently(ctx, env, o, concurrentRepeats)
	calls += concurrentRepeats
	sentAll := fmt.Sprintf("%d concurrent ProcessOrder calls for %s, after it was processed", concurrentRepeats, o.ID)
	for i := range results {
		if errs[i] != nil {
			return env.Unexpected(sentAll, "the first result every time", errs[i])
		}
		if d := diffResults(first, results[i]); d != "" {
			return grader.Fail(sentAll, "the first result every time: "+describeResult(first), "call %d answered differently: %s", i+1, d)
		}
	}
	env.Step("GetOrderResult %s", o.ID)
	stored, err := getOrderResult(ctx, env, o.ID)
	if err != nil {
		return env.Unexpected("GetOrderResult "+o.ID+" after ProcessOrder", "the result ProcessOrder returned", err)
	}
	if d := diffResults(first, stored); d != "" {
		return grader.Fail("GetOrderResult "+o.ID+" after ProcessOrder", "the result ProcessOrder returned: "+describeResult(first),
			"a different result: %s", d).WithHint("store the result ProcessOrder returns (restate.Set) and let GetOrderResult read it")
	}
	if err := settle(ctx, env, o); err != nil {
		return err
	}
	sentN := fmt.Sprintf("ProcessOrder %s %d times", o.describe(), calls)
	if more := added(before, observe(env, o)); more != "" {
		return grader.Fail(sentN, "the repeats add no effect to those of the first call", "%s", more).
			WithHint("a repeated ProcessOrder must return the stored result before calling any participant")
	}
	return expectNoRerun(ctx, env, o, sentN)
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
		return fmt.Errorf("introspection lists %d ProcessOrder invocations for %s, want at least 2", len(invs), o.ID)
	}
	for _, inv := range invs[1:] {
		n, err := journalCalls(ctx, env, inv.ID)
		if err != nil {
			return err
		}
		if n > 0 {
			return grader.Fail(sent, "every repeat answers from the stored result, without calling a participant again",
				"repeat %s of ProcessOrder made %d calls to participant services (Restate's journal of that invocation): it ran the transaction again",
				inv.ID, n).
				WithHint("check for a stored result at the very start of ProcessOrder and return it: idempotency keys alone protect " +
					"a re-run only while Restate remembers them (24 hours by default)")
		}
	}
	return nil
}
