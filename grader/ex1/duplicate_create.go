package ex1

import (
	"context"
	"fmt"

	"idempotency/contract/ex1"
	"idempotency/grader"
)

const concurrentDuplicates = 5

func duplicateCreate() grader.Scenario {
	return grader.Scenario{
		ID:     "duplicate-create",
		Title:  "Duplicate CreateOrder returns same order",
		Points: 25,
		Needs:  map[string][]string{ex1.ServiceName: {ex1.CreateOrder, ex1.GetOrder}},
		Hint: "before creating, read the stored order with restate.Get; if there is one, return it unchanged " +
			"(even when the request body differs) instead of building a new one",
		Run: runDuplicateCreate,
	}
}

func runDuplicateCreate(ctx context.Context, env *grader.Env) error {
	key := env.NewKey(ex1.ServiceName, "ord")
	req := newOrderRequest(env.Rand)
	other := newOrderRequest(env.Rand)

	env.Step("CreateOrder %s", key)
	first, err := createOrder(ctx, env, key, req)
	if err != nil {
		return env.Unexpected("CreateOrder for new order "+key, "the new order", err)
	}
	if d := checkCreated(key, req, first); d != "" {
		return grader.Fail("CreateOrder for new order "+key, "a pending order with the request's items, customer and total, keyed by the order ID",
			"%s: %s", describe(first), d)
	}

	// Another order in between: the duplicate below is of the older one.
	keyB := env.NewKey(ex1.ServiceName, "ord")
	env.Step("CreateOrder %s (another order)", keyB)
	second, err := createOrder(ctx, env, keyB, other)
	if err != nil {
		return env.Unexpected("CreateOrder for new order "+keyB, "the new order", err)
	}

	env.Step("the same CreateOrder %s again, after %s was created", key, keyB)
	again, err := createOrder(ctx, env, key, req)
	if err != nil {
		return env.Unexpected("the same CreateOrder "+key+" a second time", "the first order again", err)
	}
	if d := diffOrders(first, again); d != "" {
		return grader.Fail("the same CreateOrder "+key+" a second time", "the first order, unchanged: "+describe(first),
			"a different order: %s", d)
	}

	env.Step("CreateOrder %s with a different body", key)
	changed, err := createOrder(ctx, env, key, other)
	if err != nil {
		return env.Unexpected("CreateOrder "+key+" again with different items", "the first order, unchanged", err)
	}
	if d := diffOrders(first, changed); d != "" {
		return grader.Fail("CreateOrder "+key+" again with different items and customer", "the first order, unchanged: "+describe(first),
			"the order was changed: %s", d)
	}

	env.Step("GetOrder %s", key)
	stored, err := getOrder(ctx, env, key)
	if err != nil {
		return env.Unexpected("GetOrder "+key+" after three CreateOrder calls", "the first order", err)
	}
	if d := diffOrders(first, stored); d != "" {
		return grader.Fail("GetOrder "+key+" after three CreateOrder calls", "the order the first CreateOrder returned: "+describe(first),
			"GetOrder returned a different order: %s", d)
	}
	concurrentKey, concurrent, err := concurrentCreates(ctx, env)
	if err != nil {
		return err
	}
	readBackAfterRestart(env, "every order created above", map[string]ex1.Order{key: first, keyB: second, concurrentKey: concurrent})
	return nil
}

// concurrentCreates sends several different CreateOrder calls for one new key at once:
// Restate runs them one after the other, and every one must return the same order.
func concurrentCreates(ctx context.Context, env *grader.Env) (string, ex1.Order, error) {
	key := env.NewKey(ex1.ServiceName, "ord")
	reqs := make([]ex1.OrderRequest, concurrentDuplicates)
	for i := range reqs {
		reqs[i] = newOrderRequest(env.Rand)
	}
	env.Step("%d concurrent CreateOrder calls for %s with different bodies", concurrentDuplicates, key)
	orders := make([]ex1.Order, len(reqs))
	err := grader.Concurrently(ctx, len(reqs), func(ctx context.Context, i int) error {
		var err error
		orders[i], err = createOrder(ctx, env, key, reqs[i])
		return err
	})
	sent := fmt.Sprintf("%d concurrent CreateOrder calls for new order %s, each with different items", len(reqs), key)
	if err != nil {
		return key, ex1.Order{}, env.Unexpected(sent, "every call returns the same order", err)
	}
	for i := 1; i < len(orders); i++ {
		if d := diffOrders(orders[0], orders[i]); d != "" {
			return key, ex1.Order{}, grader.Fail(sent, "every call returns the same order", "call %d returned a different order than call 1: %s", i+1, d)
		}
	}
	stored, err := getOrder(ctx, env, key)
	if err != nil {
		return key, ex1.Order{}, env.Unexpected("GetOrder "+key, "the order every CreateOrder returned", err)
	}
	if d := diffOrders(orders[0], stored); d != "" {
		return key, ex1.Order{}, grader.Fail("GetOrder "+key+" after the concurrent creates", "the order every CreateOrder returned", "%s", d)
	}
	return key, orders[0], nil
}
