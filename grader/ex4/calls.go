package ex4

import (
	"context"
	"errors"
	"fmt"
	"strings"

	"idempotency/contract/ex4"
	"idempotency/fixtures/world"
	"idempotency/grader"

	restate "github.com/restatedev/sdk-go"
)

func target(key, handler string) grader.Target {
	return grader.Target{Service: ex4.ServiceName, Key: key, Handler: handler}
}

func createSub(ctx context.Context, env *grader.Env, key string, req ex4.SubscriptionRequest) (ex4.Subscription, error) {
	return grader.Call[ex4.SubscriptionRequest, ex4.Subscription](ctx, env, target(key, ex4.CreateSubscription), req)
}

func getSub(ctx context.Context, env *grader.Env, key string) (ex4.Subscription, error) {
	return grader.Call[restate.Void, ex4.Subscription](ctx, env, target(key, ex4.GetSubscription), restate.Void{})
}

func cancelSub(ctx context.Context, env *grader.Env, key, date string) (ex4.Subscription, error) {
	return grader.Call[ex4.CancelRequest, ex4.Subscription](ctx, env, target(key, ex4.CancelSubscription), ex4.CancelRequest{Date: date})
}

func updatePlan(ctx context.Context, env *grader.Env, key, planID, date string) (ex4.Subscription, error) {
	return grader.Call[ex4.UpdatePlanRequest, ex4.Subscription](ctx, env, target(key, ex4.UpdatePlan), ex4.UpdatePlanRequest{PlanID: planID, Date: date})
}

func renewSub(ctx context.Context, env *grader.Env, key string, period int) error {
	_, err := grader.Call[ex4.RenewRequest, restate.Void](ctx, env, target(key, ex4.Renew), ex4.RenewRequest{Period: period})
	return err
}

// unexpectedCode reports a call that should have failed with a given code.
func unexpectedCode(sent, expected string, s ex4.Subscription, err error) error {
	if grader.IsHarness(err) {
		return err
	}
	if err == nil {
		return grader.Fail(sent, expected, "success: %s", describe(s))
	}
	var ce *grader.CallError
	errors.As(err, &ce)
	return grader.Fail(sent, expected, "%s", ce.Describe())
}

// describe prints a subscription the way a learner reads it.
func describe(s ex4.Subscription) string {
	end := ""
	if !s.EndDate.IsZero() {
		end = fmt.Sprintf(" endDate:%s", s.EndDate.Format("2006-01-02"))
	}
	return fmt.Sprintf("{subscriptionId:%q customerId:%q planId:%q status:%q startDate:%s%s createdAt:%s}",
		s.SubscriptionID, s.CustomerID, s.PlanID, s.Status, s.StartDate.Format("2006-01-02"), end,
		s.CreatedAt.Format("2006-01-02T15:04:05.000Z07:00"))
}

// maxObserved bounds how much of Restate's own error message evidence quotes: a journal
// mismatch message carries the whole state value, twice.
const maxObserved = 600

// unexpected judges an error answer like env.Unexpected, but in the engine's
// explanation of Restate's failures (grader.ExplainCall: a journal mismatch names the
// step that differed), cut to a readable length, and, when s is not nil, with what the
// payment gateway saw of s meanwhile: a retry that failed often charged again first.
func unexpected(env *grader.Env, s *subject, sent, expected string, err error) error {
	var ce *grader.CallError
	if !errors.As(err, &ce) {
		return err
	}
	logs := ""
	if env.Service != nil {
		logs = env.Service.Logs()
	}
	obs := grader.ExplainCall(ce, logs)
	if len(obs) > maxObserved {
		obs = obs[:maxObserved] + " ..."
	}
	if st := env.ServiceState(); st != "" {
		obs += "\n" + st
	}
	f := &grader.Failure{Sent: sent, Expected: expected, Observed: obs}
	if s == nil {
		return f
	}
	e := effectsOf(env, s)
	if len(e.charges)+len(e.refunds) > 0 {
		f.Observed += "\nmeanwhile, the payment gateway saw:\n" + e.payments()
	}
	if retried := refusedRepeatedly(env, s); retried != nil {
		shown := retried
		if len(shown) > 3 {
			shown = shown[:3]
		}
		f.Observed += fmt.Sprintf("\nthe gateway refused this call permanently %d times (the first %d):\n%s\n"+
			"so your handler returned the gateway's permanent error as a plain error, and Restate retried it until its retry budget ran out",
			len(retried), len(shown), indent(shown.String()))
		f.Hint = "a permanent gateway error (errors.Is(err, fixtures.ErrPermanent)) must become a terminal error, " +
			"restate.ToTerminalError(err, restate.WithErrorCode(...)) (402 for a declined card, 400 for invalid input): " +
			"a plain error is retried, and no retry can fix it"
		return f
	}
	if strings.Contains(obs, "but 'handler return' on replay") {
		f.Observed += "\nThe retry returned early where the first attempt went on: it found what the first attempt had stored before " +
			"it crashed. Restate's state is replayed with the journal, so a retry sees the state as the attempt began; state kept " +
			"outside Restate (a Go map or variable) is not, and makes the retry take another path."
		f.Hint = "keep the subscription in Restate's state (restate.Get / restate.Set), never in a Go variable: a retry must see the " +
			"state as the failed attempt began, and a restarted process must still find it"
		return f
	}
	if n := e.repeatedCharge(); n > 1 {
		f.Hint = fmt.Sprintf("the same charge went through %d times: it ran again each time Restate retried the handler. "+
			"Wrap fixtures.Charge in restate.Run, so that a retry replays the recorded charge ID instead of charging again", n)
	}
	return f
}

// refusedRepeatedly returns the most repeated call of s that a gateway refused on its
// own judgement (not a fault the grader programmed) with a permanent error, when it was
// sent more than once: a permanent error that Restate retried.
func refusedRepeatedly(env *grader.Env, s *subject) world.Calls {
	var all world.Calls
	all = append(all, env.World.Calls(chargesOf(s.customer)...)...)
	all = append(all, env.World.Calls(smtpTo(s.email)...)...)
	charges := map[string]bool{}
	for _, c := range all {
		if c.Gateway == world.Charge && c.Result != "" {
			charges[c.Result] = true
		}
	}
	all = append(all, env.World.Calls(world.Gateway(world.Refund), func(c world.Call) bool { return charges[c.Arg(world.ArgChargeID)] })...)
	groups := map[string]world.Calls{}
	var most world.Calls
	for _, c := range all {
		if c.ErrKind != "permanent" || c.Injected {
			continue
		}
		k := c.Gateway + "\x00" + c.Arg(world.ArgAmount) + "\x00" + c.Arg(world.ArgDescription) + "\x00" + c.Arg(world.ArgChargeID) + "\x00" + c.Err
		groups[k] = append(groups[k], c)
		if len(groups[k]) > len(most) {
			most = groups[k]
		}
	}
	if len(most) < 2 {
		return nil
	}
	return most
}

// failureOrUnexpected passes a *Failure (the engine's own finding, say "never called the
// gateway") through, and judges any other error with unexpected.
func failureOrUnexpected(env *grader.Env, s *subject, sent, expected string, err error) error {
	var f *grader.Failure
	if err == nil || errors.As(err, &f) {
		return err
	}
	return unexpected(env, s, sent, expected, err)
}
