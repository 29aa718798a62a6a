package ex6

import (
	"context"
	"fmt"
	"slices"
	"strings"

	"idempotency/contract/ex6"
	"idempotency/grader"
)

func idempotencyKeys() grader.Scenario {
	return grader.Scenario{
		ID:     "idempotency-keys",
		Title:  "Each service called with idempotency key",
		Points: 20,
		Hint: "pass restate.WithIdempotencyKey(orderID + \"-<step>\") to every participant call, compensations included; " +
			"Restate then runs a repeated call once and answers the repeat from the first invocation",
		// The calls an order must make are found in Restate's introspection by handler.
		Needs: map[string][]string{
			ex6.OrchestratorName:        {ex6.ProcessOrder},
			ex6.InventoryServiceName:    {ex6.ReserveStock},
			ex6.PaymentServiceName:      {ex6.CreatePayment},
			ex6.ShippingServiceName:     {ex6.CreateLabel},
			ex6.NotificationServiceName: {ex6.SendNotification},
		},
		Timeout: loadedTimeout,
		Run:     runIdempotencyKeys,
	}
}

// Which participant handlers an order must call, by outcome.
var (
	completedCalls = []string{
		ex6.InventoryServiceName + "/" + ex6.ReserveStock,
		ex6.PaymentServiceName + "/" + ex6.CreatePayment,
		ex6.ShippingServiceName + "/" + ex6.CreateLabel,
		ex6.NotificationServiceName + "/" + ex6.SendNotification,
	}
	// A missing compensation is the compensation criterion's to judge: here only the
	// compensations that were called must carry keys.
	labelFailedCalls = []string{
		ex6.InventoryServiceName + "/" + ex6.ReserveStock,
		ex6.PaymentServiceName + "/" + ex6.CreatePayment,
		ex6.ShippingServiceName + "/" + ex6.CreateLabel,
	}
)

// runIdempotencyKeys processes a completed order, one whose label fails (so the
// compensations are calls too) and another completed one, then reads the keys of
// every participant call of all three, the oldest order included.
func runIdempotencyKeys(ctx context.Context, env *grader.Env) error {
	a, f, b := newOrder(env), undeliverableOrder(env), newOrder(env)
	for _, o := range []order{a, f, b} {
		sent := "ProcessOrder " + o.describe()
		env.Step("ProcessOrder %s (%s)", o.ID, expectedOutcome(o))
		res, err := process(ctx, env, o, sent)
		if err != nil {
			return err
		}
		if err := settle(ctx, env, o); err != nil {
			return err
		}
		if err := expectEffects(ctx, env, o, res, sent, lenient); err != nil {
			return err
		}
	}
	for _, o := range []order{a, f, b} {
		must := completedCalls
		if o.FailAt != stepNone {
			must = labelFailedCalls
		}
		if err := expectKeys(ctx, env, o, must, "ProcessOrder "+o.describe()); err != nil {
			return err
		}
	}
	return nil
}

// expectKeys checks, through Restate's introspection, that every participant invocation
// the order started carried an idempotency key containing the order ID, and that the
// participants it must call were called.
func expectKeys(ctx context.Context, env *grader.Env, o order, must []string, sent string) error {
	env.Step("read the idempotency keys of %s's participant calls (sys_invocation)", o.ID)
	roots, err := processInvocations(ctx, env, o.ID)
	if err != nil {
		return err
	}
	kids, err := spawned(ctx, env, roots)
	if err != nil {
		return err
	}
	var bad, seen []string
	for _, inv := range kids {
		seen = append(seen, inv.Service+"/"+inv.Handler)
		if !strings.Contains(inv.key(), o.ID) {
			k := "no idempotency key"
			if inv.key() != "" {
				k = fmt.Sprintf("key %q, which does not contain the order ID", inv.key())
			}
			bad = append(bad, fmt.Sprintf("%s/%s with %s", inv.Service, inv.Handler, k))
		}
	}
	expected := "every call to InventoryService, PaymentService, ShippingService and NotificationService carries an idempotency key that contains the order ID " + o.ID
	if len(bad) > 0 {
		return grader.Fail(sent, expected, "%d of %d participant calls did not:\n%s", len(bad), len(kids), indent(strings.Join(bad, "\n"))).
			WithHint("add restate.WithIdempotencyKey(orderID + \"-<step>\") to each participant call, e.g. " +
				"restate.Service[ex6.Charge](ctx, \"PaymentService\", \"CreatePayment\").Request(req, restate.WithIdempotencyKey(orderID+\"-payment\"))")
	}
	var missing []string
	for _, m := range must {
		if !slices.Contains(seen, m) {
			missing = append(missing, m)
		}
	}
	if len(missing) > 0 {
		return grader.Fail(sent, expected+"; the order calls "+strings.Join(must, ", "),
			"no call to %s (calls made: %s)", strings.Join(missing, ", "), strings.Join(seen, ", ")).
			WithHint("make every step a call to its participant service (not a direct gateway call), so that Restate journals it and the key protects it")
	}
	return nil
}
