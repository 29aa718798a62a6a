package ex6

import (
	"context"
	"fmt"

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
		Run: runCompensation,
	}
}

func runCompensation(ctx context.Context, env *grader.Env) error {
	// Payment declined: the card of a declining customer.
	if err := failedOrderOnce(ctx, env, declinedOrder(env), "the customer's card is declined"); err != nil {
		return err
	}
	// Label refused: an address the shipping gateway cannot deliver to.
	if err := failedOrderOnce(ctx, env, undeliverableOrder(env), "the address is undeliverable"); err != nil {
		return err
	}
	// Label refused by the gateway for another reason, on an ordinary address.
	o := newOrder(env)
	o.FailAt = stepLabel
	rule := env.World.On(world.Gateway(world.CreateLabel), world.Arg(world.ArgOrderID, o.ID)).FailPermanently("carrier refused the parcel")
	defer rule.Remove()
	if err := failedOrderOnce(ctx, env, o, "the shipping gateway refuses the label (carrier refused the parcel)"); err != nil {
		return err
	}
	if rule.Fired() == 0 {
		return fmt.Errorf("the permanent failure programmed on shipping.create for %s never fired", o.ID)
	}
	return nil
}

// failedOrderOnce processes an order that fails, then repeats it: the compensations
// happen once, and the repeat changes nothing.
func failedOrderOnce(ctx context.Context, env *grader.Env, o order, why string) error {
	sent := fmt.Sprintf("ProcessOrder %s; %s", o.describe(), why)
	env.Step("ProcessOrder %s (%s)", o.ID, why)
	res, err := process(ctx, env, o, sent)
	if err != nil {
		return err
	}
	if err := settle(ctx, env, o); err != nil {
		return err
	}
	if err := expectEffects(env, o, res, sent, strict); err != nil {
		return err
	}
	env.Step("ProcessOrder %s again", o.ID)
	if _, err := processOrder(ctx, env, o); grader.IsHarness(err) {
		return err
	}
	if err := settle(ctx, env, o); err != nil {
		return err
	}
	return expectEffects(env, o, res, sent+", then ProcessOrder again", strict)
}
