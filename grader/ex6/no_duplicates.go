package ex6

import (
	"context"
	"fmt"
	"maps"
	"slices"
	"strings"

	"idempotency/contract/ex6"
	"idempotency/fixtures/world"
	"idempotency/grader"
)

const (
	manyOrders      = 10
	duplicatesEach  = 3
	ordersPerClient = 2 // customers with several orders: their charges must not merge
	maxProblems     = 8 // evidence lists this many problems at most
)

func noDuplicates() grader.Scenario {
	return grader.Scenario{
		ID:     "no-duplicates",
		Title:  "No duplicate operations across services",
		Points: 20,
		Hint: "every order is its own transaction: make each idempotency key from the order ID (never from the customer or " +
			"the items), and let a duplicate ProcessOrder return the stored result",
		Needs:   map[string][]string{ex6.OrchestratorName: {ex6.ProcessOrder}},
		Timeout: loadedTimeout,
		Run:     runNoDuplicates,
	}
}

// runNoDuplicates sends ten orders as concurrent duplicates, all at once, and counts
// every order's effects; then sends them all again at once (the older duplicates too)
// and checks that nothing was added.
func runNoDuplicates(ctx context.Context, env *grader.Env) error {
	// Ten orders: most complete, one is declined, one cannot be shipped. The completed
	// orders' customers have two orders each, so keys made from the customer would merge
	// them; the last order has the same items as the first (another customer), so keys
	// made from the items would merge those two.
	var orders []order
	var customer string
	for i := range manyOrders {
		if i%ordersPerClient == 0 {
			customer = world.NewCustomerID(env.Rand)
		}
		o := newOrderFor(env, customer)
		switch i {
		case 3:
			o = declinedOrder(env)
		case 6:
			o = undeliverableOrder(env)
		case manyOrders - 1:
			o = withItemsOf(o, orders[0])
		}
		orders = append(orders, o)
	}
	sent := fmt.Sprintf("%d orders (one declined, one undeliverable, the others by customers with %d orders each, the last with the same items as the first), "+
		"each sent as %d concurrent ProcessOrder calls, all at once", manyOrders, ordersPerClient, duplicatesEach)
	env.Step("%s", sent)
	results, err := processAll(ctx, env, orders, duplicatesEach, sent)
	if err != nil {
		return err
	}
	if err := settle(ctx, env, orders...); err != nil {
		return err
	}
	env.Step("count each order's effects in the gateways' ledgers")
	if err := expectOnce(ctx, env, orders, results, sent); err != nil {
		return err
	}

	again := fmt.Sprintf("the same %d orders again, all at once, after they were processed", manyOrders)
	env.Step("%s", again)
	results2, err := processAll(ctx, env, orders, 1, again)
	if err != nil {
		return err
	}
	for i := range orders {
		if err := expectSame(again, results[i], results2[i]); err != nil {
			return err
		}
	}
	if err := settle(ctx, env, orders...); err != nil {
		return err
	}
	return expectOnce(ctx, env, orders, results, sent+"; then "+again)
}

// expectOnce checks that every order has each effect exactly once (charges counted per
// customer) and that no two orders share a reservation, charge or label.
func expectOnce(ctx context.Context, env *grader.Env, orders []order, results []ex6.OrderResult, sent string) error {
	byCustomer := map[string][]int{}
	for i, o := range orders {
		byCustomer[o.Req.CustomerID] = append(byCustomer[o.Req.CustomerID], i)
	}
	var ps []problem
	if dup := duplicateIDs(orders, results); dup != "" {
		ps = append(ps, problem{text: dup, hint: "two orders share a reservation, charge or label: an idempotency key made from something " +
			"other than the order ID merged them; make every key from the order ID"})
	}
	effectsSeen := 0
	for _, c := range slices.Sorted(maps.Keys(byCustomer)) {
		idx := byCustomer[c]
		want := 0
		for _, i := range idx {
			want += wantFor(orders[i].FailAt).charges
		}
		got := env.World.Calls(world.Gateway(world.Charge), world.Arg(world.ArgCustomerID, c)).Delivered()
		effectsSeen += len(got)
		if len(got) != want {
			ps = append(ps, problem{text: fmt.Sprintf("the payment gateway charged customer %s %d times for %d orders (expected %d):\n%s", c, len(got), len(idx), want, indent(got.String())),
				hint: "each order is charged once, under its own key: restate.WithIdempotencyKey(orderID + \"-payment\"), never the customer ID"})
		}
	}
	first := -1
	for i, o := range orders {
		e := observe(env, o)
		// Charges are counted per customer above; per order only through the result.
		e.charges = chargesOf(e.charges, results[i].ChargeID, o)
		p := check(o, e, results[i], lenient)
		if len(p) > 0 && first < 0 {
			first = i
		}
		ps = append(ps, p...)
		effectsSeen += len(e.reserved) + len(e.labels) + len(e.confirmations) + len(e.released) + len(e.failures)
	}
	if len(ps) > 0 {
		texts := make([]string, 0, len(ps))
		for i, p := range ps {
			if i == maxProblems {
				texts = append(texts, fmt.Sprintf("... and %d more", len(ps)-maxProblems))
				break
			}
			texts = append(texts, p.text)
		}
		f := grader.Fail(sent, "each order: one reservation, one charge, one label and one confirmation (or exactly its compensations); no order shares an ID with another",
			"%s", strings.Join(texts, "\n")).WithHint(ps[0].hint)
		if first >= 0 {
			for _, p := range ps {
				if p.doubled == "" {
					continue
				}
				why, hint, err := diagnose(ctx, env, orders[first], p.doubled)
				if err != nil {
					return err
				}
				if why != "" {
					f.Observed += "\n" + why
					if ps[0].doubled != "" {
						f.WithHint(hint)
					}
				}
				break
			}
		}
		return f
	}
	if min := manyOrders * 3; effectsSeen < min {
		return fmt.Errorf("only %d effects in the ledger for %d orders, want at least %d: nothing to judge", effectsSeen, manyOrders, min)
	}
	return nil
}

// chargesOf keeps the charges that belong to one order of a customer with several: the
// one its result names. Merged or missing charges show in the per-customer count.
func chargesOf(cs world.Calls, chargeID string, o order) world.Calls {
	if o.FailAt != stepNone {
		return cs // failed orders have customers of their own
	}
	var out world.Calls
	for _, c := range cs {
		if c.Result == chargeID {
			out = append(out, c)
		}
	}
	return out
}

// duplicateIDs reports two orders whose results share a reservation, charge or label.
func duplicateIDs(orders []order, results []ex6.OrderResult) string {
	seen := map[string]string{}
	var d []string
	for i, r := range results {
		for _, id := range []string{r.ReservationID, r.ChargeID, r.LabelID} {
			if id == "" {
				continue
			}
			if other, ok := seen[id]; ok && other != orders[i].ID {
				d = append(d, fmt.Sprintf("orders %s and %s both have %s", other, orders[i].ID, id))
			}
			seen[id] = orders[i].ID
		}
	}
	return strings.Join(d, "\n")
}
