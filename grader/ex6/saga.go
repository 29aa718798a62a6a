package ex6

import (
	"context"
	"fmt"
	"slices"
	"strings"

	"idempotency/contract/ex6"
	"idempotency/fixtures/world"
	"idempotency/grader"
)

func saga() grader.Scenario {
	return grader.Scenario{
		ID:     "saga",
		Title:  "Saga: compensations run in reverse on a failure at any step",
		Points: 10,
		Bonus:  true,
		Hint: "register each step's compensation as soon as the step succeeds (a slice of funcs), and on a terminal failure " +
			"run the registered ones from last to first: a failed confirmation cancels the label, refunds, then releases",
		Run: runSaga,
	}
}

func runSaga(ctx context.Context, env *grader.Env) error {
	for k := stepReserve; k <= stepConfirm; k++ {
		if err := failAtStep(ctx, env, k); err != nil {
			return err
		}
	}
	return nil
}

// failAtStep makes step k of a new order fail terminally and checks that exactly the
// compensations of the steps before k ran, once each, last step first.
func failAtStep(ctx context.Context, env *grader.Env, k int) error {
	var o order
	var rule *world.Rule
	why := ""
	switch k {
	case stepReserve:
		o, why = soldOutOrder(env), "an item is sold out"
	case stepPayment:
		o, why = declinedOrder(env), "the card is declined"
	case stepLabel:
		o = newOrder(env)
		o.FailAt = stepLabel
		rule = env.World.On(world.Gateway(world.CreateLabel), world.Arg(world.ArgOrderID, o.ID)).FailPermanently("carrier refused the parcel")
		why = "the shipping gateway refuses the label"
	case stepConfirm:
		o = newOrder(env)
		o.FailAt = stepConfirm
		rule = env.World.On(customerNotice(o, ex6.EventOrderConfirmed)...).FailPermanently("customer unreachable")
		why = "the confirmation cannot be sent (permanent failure)"
	}
	if rule != nil {
		defer rule.Remove()
	}
	sent := fmt.Sprintf("ProcessOrder %s; step %d (%s) fails: %s", o.describe(), k, stepNames[k], why)
	env.Step("ProcessOrder %s failing at step %d (%s)", o.ID, k, stepNames[k])
	res, err := process(ctx, env, o, sent)
	if err != nil {
		return err
	}
	if rule != nil && rule.Fired() == 0 {
		return fmt.Errorf("the permanent failure programmed for step %d of %s never fired", k, o.ID)
	}
	if err := settle(ctx, env, o); err != nil {
		return err
	}
	e := observe(env, o)
	if ps := check(o, e, res, strict); len(ps) > 0 {
		f := failure(sent, o, ps)
		if k == stepConfirm {
			f.WithHint("a confirmation that fails for good fails the transaction: cancel the label, refund the charge and release the " +
				"reservation, in that order, then send the failure notice")
		}
		return f
	}
	// Reverse order: the compensation of a later step comes first.
	var comps []world.Call
	for _, cs := range []world.Calls{e.cancels, e.refunds, e.released} {
		comps = append(comps, cs...)
	}
	for i := 1; i < len(comps); i++ {
		if comps[i].Seq < comps[i-1].Seq {
			return grader.Fail(sent, "the compensations in reverse order of the steps: "+reverseText(k),
				"the gateways saw them in this order (#n is the order of arrival):\n%s", indent(bySeq(comps).String())).
				WithHint("run the compensations from the last registered to the first: for i := len(comps)-1; i >= 0; i--")
		}
	}
	return nil
}

func reverseText(k int) string {
	var parts []string
	if k > stepLabel {
		parts = append(parts, "cancel the label")
	}
	if k > stepPayment {
		parts = append(parts, "refund the charge")
	}
	if k > stepReserve {
		parts = append(parts, "release the reservation")
	}
	return strings.Join(parts, ", then ")
}

// bySeq returns the calls in order of arrival.
func bySeq(cs []world.Call) world.Calls {
	sorted := slices.Clone(world.Calls(cs))
	slices.SortFunc(sorted, func(a, b world.Call) int { return a.Seq - b.Seq })
	return sorted
}
