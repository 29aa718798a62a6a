package ex6

import (
	"context"
	"fmt"
	"slices"
	"strings"

	"idempotency/grader"
)

// diagnose tells why the effect of a participant handler ("Svc.Handler") happened more
// than once for o, from Restate's introspection and the proxy's attempt counts rather
// than from which scenario saw it: the order invoked the participant several times
// (with which keys, from which ProcessOrder invocations), or one invocation repeated
// its gateway call when Restate retried it, or no participant invocation made the call
// at all (ProcessOrder called the gateway itself). It returns the evidence and a hint,
// or "" when introspection shows nothing telling.
func diagnose(ctx context.Context, env *grader.Env, o order, handler string) (string, string, error) {
	roots, kids, err := orderInvocations(ctx, env, []string{o.ID})
	if err != nil {
		return "", "", err
	}
	var mine []invocation
	for _, k := range kids {
		if k.handler() == handler {
			mine = append(mine, k)
		}
	}
	switch {
	case len(mine) == 0:
		return fmt.Sprintf("why: Restate's introspection shows no %s invocation for order %s, so ProcessOrder (%d invocation(s)) made these gateway calls itself",
				handler, o.ID, len(roots)),
			fmt.Sprintf("make this step a call to %s with an idempotency key: a gateway call made by ProcessOrder itself, outside restate.Run, "+
				"runs again every time Restate retries ProcessOrder", handler), nil
	case len(mine) == 1:
		attempts := env.Proxy.AttemptsOf(mine[0].ID)
		if attempts > 1 {
			return fmt.Sprintf("why: order %s invoked %s once (%s), and Restate attempted that invocation %d times (it was retried): the retries repeated the gateway call",
					o.ID, handler, mine[0].ID, attempts),
				fmt.Sprintf("in %s, make the gateway call inside restate.Run, whose result is journaled and replayed on a retry, and give the gateway "+
					"an idempotency key that stays the same across attempts (ctx.Request().ID)", handler), nil
		}
		return fmt.Sprintf("why: order %s invoked %s once (%s), in a single attempt: the handler itself called the gateway more than once", o.ID, handler, mine[0].ID),
			fmt.Sprintf("%s must call its gateway once per invocation", handler), nil
	}
	lines := make([]string, len(mine))
	var parents []string
	for i, inv := range mine {
		k := "no idempotency key"
		if inv.key() != "" {
			k = fmt.Sprintf("key %q", inv.key())
		}
		lines[i] = fmt.Sprintf("%s with %s, called by %s", inv.ID, k, inv.parent())
		if !slices.Contains(parents, inv.parent()) {
			parents = append(parents, inv.parent())
		}
	}
	why := fmt.Sprintf("why: order %s invoked %s %d times:\n%s", o.ID, handler, len(mine), indent(strings.Join(lines, "\n")))
	if len(parents) > 1 {
		return why + fmt.Sprintf("\n(from %d different ProcessOrder invocations: a repeated ProcessOrder ran the transaction again, and the keys did not stop it)", len(parents)),
			"answer a repeated ProcessOrder from the stored result, and give every participant call an idempotency key made from the order ID and the step " +
				"(the same on every run), so that Restate runs each call once", nil
	}
	return why + "\n(all from one ProcessOrder invocation: the orchestrator called it more than once)",
		fmt.Sprintf("call %s once per order: a compensation registered twice, or run both directly and from the list of compensations, runs twice", handler), nil
}
