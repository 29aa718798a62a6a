package ex3

import (
	"context"
	"fmt"
	"math/rand/v2"

	"idempotency/contract/ex3"
	"idempotency/grader"
)

// newProduct is a fresh product key for a scenario.
func newProduct(env *grader.Env) string { return env.NewKey(ex3.ServiceName, "prd") }

// newReservationID and newRestockID are fresh IDs from the scenario's seeded source.
func newReservationID(r *rand.Rand) string { return fmt.Sprintf("res-%08x", r.Uint32()) }
func newRestockID(r *rand.Rand) string     { return fmt.Sprintf("rst-%08x", r.Uint32()) }

// between returns a number in [lo, hi].
func between(r *rand.Rand, lo, hi int) int { return lo + r.IntN(hi-lo+1) }

func reservationRequest(key, id string, quantity int) ex3.ReservationRequest {
	return ex3.ReservationRequest{ProductID: key, Quantity: quantity, ReservationID: id}
}

// otherQuantity is a quantity in [1, max] different from q (max >= 2).
func otherQuantity(r *rand.Rand, q, max int) int {
	o := 1 + r.IntN(max-1)
	if o >= q {
		o++
	}
	return o
}

// stockUp restocks a new product with quantity units and checks the answer.
func stockUp(ctx context.Context, env *grader.Env, quantity int) (string, error) {
	key := newProduct(env)
	req := ex3.RestockRequest{RestockID: newRestockID(env.Rand), Quantity: quantity}
	sent := fmt.Sprintf("Restock %s {restockId:%q quantity:%d} (a new product)", key, req.RestockID, req.Quantity)
	env.Step("%s", sent)
	got, err := restock(ctx, env, key, req)
	want := level{available: quantity}
	if err != nil {
		return key, withHint(env.Unexpected(sent, "the new stock level: "+want.String(), err),
			"every scenario starts by restocking a new product: Restock (TODO step 1) and GetStockLevel (step 2) come first")
	}
	if d := diffStock(want, got); d != "" {
		return key, grader.Fail(sent, "the new stock level: "+want.String(), "%s: %s", describeStock(got), d)
	}
	return key, nil
}

// distinctQuantities returns n different quantities in [lo, hi], in the seed's order.
func distinctQuantities(r *rand.Rand, n, lo, hi int) []int {
	qs := r.Perm(hi - lo + 1)[:n]
	for i := range qs {
		qs[i] += lo
	}
	return qs
}
