package ex6

import (
	"context"
	"fmt"
	"strings"

	"idempotency/contract/ex6"
	"idempotency/fixtures/world"
	"idempotency/grader"
)

// refusal is what the outside world sees of the step at which an order fails for good:
// the gateway calls that were refused, and the error code the contract gives the
// participant's answer ("" when the contract names none).
type refusal struct {
	calls   world.Calls // every call of the failing step's gateway for the order, refused ones included
	gateway string      // "the payment gateway", for evidence
	handler string      // the participant handler that fails: "PaymentService.CreatePayment"
	code    string      // "402"
	why     string      // "a declined card", for evidence
}

// refusalOf says what f's failing step looks like from outside.
func refusalOf(env *grader.Env, f failing) refusal {
	switch f.o.FailAt {
	case stepReserve:
		// No gateway call: a sold-out item is refused before anything is reserved.
		return refusal{handler: ex6.InventoryServiceName + "." + ex6.ReserveStock, code: "409", why: "a sold-out item"}
	case stepPayment:
		return refusal{calls: env.World.Calls(world.Gateway(world.Charge), world.Arg(world.ArgCustomerID, f.o.Req.CustomerID)),
			gateway: "the payment gateway", handler: ex6.PaymentServiceName + "." + ex6.CreatePayment, code: "402", why: "a declined card"}
	case stepLabel:
		r := refusal{calls: env.World.Calls(world.Gateway(world.CreateLabel), world.Arg(world.ArgOrderID, f.o.ID)),
			gateway: "the shipping gateway", handler: ex6.ShippingServiceName + "." + ex6.CreateLabel}
		if f.rule == nil { // the address itself is undeliverable: the contract's 422
			r.code, r.why = "422", "an undeliverable address"
		}
		return r
	case stepConfirm:
		return refusal{calls: env.World.Calls(customerNotice(f.o, ex6.EventOrderConfirmed)...), gateway: "the notification gateway"}
	}
	return refusal{}
}

const refusedOnceHint = "a refusal for good (errors.Is(err, fixtures.ErrPermanent): a declined card, an undeliverable address, a refused " +
	"label or notification) will not go away if the call is made again: the participant makes it a terminal error inside its " +
	"restate.Run (restate.ToTerminalError(err, restate.WithErrorCode(...))), so Restate stops retrying it, as participants.go ships"

// expectRefusedOnce checks the failing step of f: its gateway call was refused once and
// not made again (Restate stops retrying a terminal error), and the participant answered
// with the contract's code. It runs once f's invocations have settled.
func expectRefusedOnce(ctx context.Context, env *grader.Env, f failing) error {
	r := refusalOf(env, f)
	if len(r.calls) > 1 {
		return grader.Fail(f.sent(), fmt.Sprintf("one call to %s for order %s, refused for good, and not made again", r.gateway, f.o.ID),
			"%s was called %d times for it:\n%s", r.gateway, len(r.calls), indent(r.calls.String())).
			WithHint(refusedOnceHint)
	}
	if r.code == "" {
		return nil
	}
	_, kids, err := orderInvocations(ctx, env, []string{f.o.ID})
	if err != nil {
		return err
	}
	for _, k := range kids {
		if k.handler() != r.handler || k.CompletionFailure == nil || *k.CompletionFailure == "" {
			continue
		}
		if !strings.HasPrefix(*k.CompletionFailure, "["+r.code+"]") {
			return grader.Fail(f.sent(), fmt.Sprintf("%s answers %s with the contract's terminal error %s", r.handler, r.why, r.code),
				"%s (%s) ended with the terminal error %q", r.handler, k.ID, *k.CompletionFailure).
				WithHint(fmt.Sprintf("%s answers %s with restate.ToTerminalError(err, restate.WithErrorCode(%s)), as participants.go ships it", r.handler, r.why, r.code))
		}
	}
	return nil
}
