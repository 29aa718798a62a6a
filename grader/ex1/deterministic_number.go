package ex1

import (
	"context"
	"fmt"

	"idempotency/contract/ex1"
	"idempotency/grader"
	"idempotency/grader/internal/proxy"
)

const distinctOrders = 5

func deterministicNumber() grader.Scenario {
	return grader.Scenario{
		ID:     "deterministic-number",
		Title:  "Order number is deterministic (same on retry)",
		Points: 25,
		Needs:  map[string][]string{ex1.ServiceName: {ex1.CreateOrder, ex1.GetOrder}},
		Hint: "Restate re-runs your handler after a crash and replays its journal: make the order number with " +
			"restate.Rand(ctx) and take createdAt from restate.Run, never from math/rand or time.Now() directly",
		Run: runDeterministicNumber,
	}
}

func runDeterministicNumber(ctx context.Context, env *grader.Env) error {
	key := env.NewKey(ex1.ServiceName, "ord")
	req := newOrderRequest(env.Rand)
	t := target(key, ex1.CreateOrder)
	sent := fmt.Sprintf("CreateOrder %s, with the first attempt crashed just before it completed (Restate retries it)", key)

	crash := env.ArmCrash(t, proxy.CrashBeforeCompletion, 1)
	defer crash.Disarm()
	env.Step("CreateOrder %s with a crash before completion", key)
	created, err := createOrder(ctx, env, key, req)
	if err != nil {
		return env.Unexpected(sent, "the order, created once", err)
	}
	if err := crash.Check(); err != nil {
		return err
	}
	// Only what R4 and R5 are about: the status, items and total of a new
	// order are R2's, judged by duplicate-create.
	if d := checkNumbered(key, created); d != "" {
		return grader.Fail(sent, "the order, keyed by its ID, with a number and a createdAt", "%s: %s", describe(created), d)
	}

	env.Step("GetOrder %s", key)
	stored, err := getOrder(ctx, env, key)
	if err != nil {
		return env.Unexpected("GetOrder "+key+" after the retried CreateOrder", "the order CreateOrder returned", err)
	}
	if d := diffOrders(created, stored); d != "" {
		return grader.Fail(sent+", then GetOrder", "the stored order equals the returned one: "+describe(created),
			"they differ: %s (the retry computed new values instead of replaying the first attempt's)", d)
	}
	orders, err := distinctNumbers(ctx, env)
	if err != nil {
		return err
	}
	orders[key] = created
	readBackAfterRestart(env, "the retried order and the five others, with their numbers", orders)
	return nil
}

// distinctNumbers guards against a "deterministic" number that is simply a constant.
func distinctNumbers(ctx context.Context, env *grader.Env) (map[string]ex1.Order, error) {
	env.Step("%d different orders get different numbers", distinctOrders)
	seen := map[string]string{}
	orders := map[string]ex1.Order{}
	for range distinctOrders {
		key := env.NewKey(ex1.ServiceName, "ord")
		o, err := createOrder(ctx, env, key, newOrderRequest(env.Rand))
		if err != nil {
			return nil, env.Unexpected("CreateOrder "+key, "a new order", err)
		}
		if prev, dup := seen[o.OrderNumber]; dup {
			return nil, grader.Fail(fmt.Sprintf("CreateOrder for %d different order IDs", distinctOrders),
				"a different order number for each order",
				"orders %s and %s both got number %q", prev, key, o.OrderNumber).
				WithHint("derive the number from restate.Rand(ctx) (seeded per invocation) or from the order ID, not from a constant")
		}
		if o.OrderNumber == "" {
			return nil, grader.Fail("CreateOrder "+key, "a non-empty order number", "orderNumber is empty")
		}
		seen[o.OrderNumber] = key
		orders[key] = o
	}
	return orders, nil
}
