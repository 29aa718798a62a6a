package ex6

import (
	"context"
	"fmt"
	"maps"
	"slices"
	"strings"
	"sync"
	"time"

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
		Timeout: 60 * time.Second,
		Run:     runNoDuplicates,
	}
}

func runNoDuplicates(ctx context.Context, env *grader.Env) error {
	// Ten orders: most complete, one is declined, one cannot be shipped. The completed
	// orders' customers have two orders each, so keys made from the customer would merge them.
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
		}
		orders = append(orders, o)
	}
	sent := fmt.Sprintf("%d orders (one declined, one undeliverable, the others by customers with %d orders each), each sent as %d concurrent ProcessOrder calls, all at once",
		manyOrders, ordersPerClient, duplicatesEach)
	env.Step("%s", sent)
	results := make([][]ex6.OrderResult, len(orders))
	errs := make([][]error, len(orders))
	var wg sync.WaitGroup
	for i, o := range orders {
		wg.Go(func() { results[i], errs[i] = processConcurrently(ctx, env, o, duplicatesEach) })
	}
	wg.Wait()
	answered := 0
	for i, o := range orders {
		for j, err := range errs[i] {
			if err != nil {
				return env.Unexpected(sent, fmt.Sprintf("every call for %s answers: %s", o.ID, expectedOutcome(o)), err)
			}
			if d := diffResults(results[i][0], results[i][j]); d != "" {
				return grader.Fail(sent, "the duplicates of one order get the same result",
					"the calls for %s answered differently: %s", o.ID, d)
			}
			answered++
		}
	}
	if answered < manyOrders*duplicatesEach {
		return fmt.Errorf("only %d of %d calls answered", answered, manyOrders*duplicatesEach)
	}
	if err := settle(ctx, env, orders...); err != nil {
		return err
	}
	env.Step("count each order's effects in the gateways' ledgers")
	byCustomer := map[string][]int{}
	for i, o := range orders {
		byCustomer[o.Req.CustomerID] = append(byCustomer[o.Req.CustomerID], i)
	}
	var ps []problem
	if dup := duplicateIDs(results); dup != "" {
		ps = append(ps, problem{dup, "two orders share a reservation, charge or label: an idempotency key made from something " +
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
			ps = append(ps, problem{fmt.Sprintf("the payment gateway charged customer %s %d times for %d orders (expected %d):\n%s", c, len(got), len(idx), want, indent(got.String())),
				"each order is charged once, under its own key: restate.WithIdempotencyKey(orderID + \"-payment\"), never the customer ID"})
		}
	}
	for i, o := range orders {
		e := observe(env, o)
		// Charges are counted per customer above; per order only through the result.
		e.charges = chargesOf(e.charges, results[i][0].ChargeID, o)
		ps = append(ps, check(o, e, results[i][0], lenient)...)
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
		return grader.Fail(sent, "each order: one reservation, one charge, one label and one confirmation (or exactly its compensations); no order shares an ID with another",
			"%s", strings.Join(texts, "\n")).WithHint(ps[0].hint)
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
func duplicateIDs(results [][]ex6.OrderResult) string {
	seen := map[string]string{}
	var d []string
	for _, rs := range results {
		r := rs[0]
		for _, id := range []string{r.ReservationID, r.ChargeID, r.LabelID} {
			if id == "" {
				continue
			}
			if other, ok := seen[id]; ok && other != r.OrderID {
				d = append(d, fmt.Sprintf("orders %s and %s both have %s", other, r.OrderID, id))
			}
			seen[id] = r.OrderID
		}
	}
	return strings.Join(d, "\n")
}
