package ex1

import (
	"fmt"
	"math/rand/v2"

	"idempotency/contract/ex1"
)

// newOrderRequest makes a valid order from the scenario's seeded source.
func newOrderRequest(r *rand.Rand) ex1.OrderRequest {
	items := newItems(r)
	return ex1.OrderRequest{Items: items, CustomerID: fmt.Sprintf("cus_%08x", r.Uint32()), Total: totalOf(items)}
}

func newItems(r *rand.Rand) []ex1.OrderItem {
	n := 1 + r.IntN(3)
	items := make([]ex1.OrderItem, n)
	for i := range items {
		items[i] = ex1.OrderItem{
			ProductID: fmt.Sprintf("sku-%05d", r.IntN(100000)),
			Quantity:  1 + r.IntN(5),
			Price:     100 + r.IntN(9900),
		}
	}
	return items
}

func totalOf(items []ex1.OrderItem) int {
	t := 0
	for _, it := range items {
		t += it.Quantity * it.Price
	}
	return t
}
