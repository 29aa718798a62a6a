package ex1

import (
	"math/rand/v2"
	"testing"
	"time"

	"idempotency/contract/ex1"

	"github.com/stretchr/testify/assert"
)

// Unit tests of the scenario helpers (no server): a helper bug shows here, not as a
// cell of the kill matrix.

func anOrder() ex1.Order {
	return ex1.Order{
		OrderID: "ord-1", OrderNumber: "ORD-42", Status: ex1.StatusPending, CustomerID: "cus_1", Total: 700,
		Items:     []ex1.OrderItem{{ProductID: "sku-1", Quantity: 2, Price: 200}, {ProductID: "sku-2", Quantity: 1, Price: 300}},
		CreatedAt: time.Date(2026, 12, 2, 18, 0, 0, 123456000, time.UTC),
	}
}

func TestDiffOrders(t *testing.T) {
	type testCase struct {
		name   string
		change func(o *ex1.Order)
		want   string
	}
	for _, tc := range []testCase{
		{"equal", func(o *ex1.Order) {}, ""},
		{"same instant in another zone", func(o *ex1.Order) { o.CreatedAt = o.CreatedAt.In(time.FixedZone("X", 7200)) }, ""},
		{"orderId", func(o *ex1.Order) { o.OrderID = "ord-2" }, `orderId "ord-2", expected "ord-1"`},
		{"orderNumber", func(o *ex1.Order) { o.OrderNumber = "ORD-43" }, `orderNumber "ORD-43", expected "ORD-42"`},
		{"status", func(o *ex1.Order) { o.Status = ex1.StatusCancelled },
			`status "` + ex1.StatusCancelled + `", expected "` + ex1.StatusPending + `"`},
		{"customerId", func(o *ex1.Order) { o.CustomerID = "cus_2" }, `customerId "cus_2", expected "cus_1"`},
		{"total", func(o *ex1.Order) { o.Total = 701 }, "total 701, expected 700"},
		{"an item's quantity", func(o *ex1.Order) {
			o.Items = []ex1.OrderItem{{ProductID: "sku-1", Quantity: 1, Price: 200}, o.Items[1]}
		},
			`items [{"productId":"sku-1","quantity":1,"price":200},{"productId":"sku-2","quantity":1,"price":300}], ` +
				`expected [{"productId":"sku-1","quantity":2,"price":200},{"productId":"sku-2","quantity":1,"price":300}]`},
		{"items missing", func(o *ex1.Order) { o.Items = nil },
			`items null, expected [{"productId":"sku-1","quantity":2,"price":200},{"productId":"sku-2","quantity":1,"price":300}]`},
		{"createdAt a microsecond later", func(o *ex1.Order) { o.CreatedAt = o.CreatedAt.Add(time.Microsecond) },
			"createdAt 2026-12-02T18:00:00.123457Z, expected 2026-12-02T18:00:00.123456Z"},
		{"several fields, in field order", func(o *ex1.Order) { o.Total, o.OrderNumber = 1, "X" },
			`orderNumber "X", expected "ORD-42"; total 1, expected 700`},
	} {
		t.Run(tc.name, func(t *testing.T) {
			got := anOrder()
			tc.change(&got)
			assert.Equal(t, tc.want, diffOrders(anOrder(), got))
		})
	}
	// No items on either side is the same, whether JSON said [] or null.
	a, b := anOrder(), anOrder()
	a.Items, b.Items = nil, []ex1.OrderItem{}
	assert.Empty(t, diffOrders(a, b))
}

func TestCheckCreated(t *testing.T) {
	req := ex1.OrderRequest{Items: anOrder().Items, CustomerID: "cus_1", Total: 700}
	type testCase struct {
		name   string
		change func(o *ex1.Order)
		want   string
	}
	for _, tc := range []testCase{
		{"fits the request", func(o *ex1.Order) {}, ""},
		{"another key", func(o *ex1.Order) { o.OrderID = "ord-9" }, `orderId "ord-9", expected the object key "ord-1"`},
		{"no number", func(o *ex1.Order) { o.OrderNumber = "" }, "orderNumber is empty"},
		{"not pending", func(o *ex1.Order) { o.Status = ex1.StatusCancelled },
			`status "` + ex1.StatusCancelled + `", expected "` + ex1.StatusPending + `"`},
		{"another customer", func(o *ex1.Order) { o.CustomerID = "" }, `customerId "", expected "cus_1"`},
		{"another total", func(o *ex1.Order) { o.Total = 0 }, "total 0, expected 700"},
		{"no items", func(o *ex1.Order) { o.Items = nil }, `items null, expected [{"productId":"sku-1","quantity":2,"price":200},{"productId":"sku-2","quantity":1,"price":300}]`},
		{"no createdAt", func(o *ex1.Order) { o.CreatedAt = time.Time{} }, "createdAt is not set"},
		{"a stub's zero order", func(o *ex1.Order) { *o = ex1.Order{} },
			`orderId "", expected the object key "ord-1"; orderNumber is empty; status "", expected "` + ex1.StatusPending +
				`"; customerId "", expected "cus_1"; total 0, expected 700; items null, expected [{"productId":"sku-1","quantity":2,"price":200},{"productId":"sku-2","quantity":1,"price":300}]; createdAt is not set`},
	} {
		t.Run(tc.name, func(t *testing.T) {
			o := anOrder()
			tc.change(&o)
			assert.Equal(t, tc.want, checkCreated("ord-1", req, o))
		})
	}
}

// deterministic-number judges only what R4 and R5 are about: a new order's status,
// customer, total and items are R2's (duplicate-create), found by a blind round.
func TestCheckNumberedLeavesR2Alone(t *testing.T) {
	o := anOrder()
	o.Status, o.CustomerID, o.Total, o.Items = ex1.StatusConfirmed, "", 0, nil
	assert.Empty(t, checkNumbered("ord-1", o))
	o.OrderNumber, o.CreatedAt = "", time.Time{}
	assert.Equal(t, "orderNumber is empty; createdAt is not set", checkNumbered("ord-1", o))
}

// Orders come from the seed alone, differ between seeds, and are valid by the README's
// rules (at least one item with a product, a quantity and a price; a customer; the
// total is the items' sum), so a correct service never refuses one.
func TestNewOrderRequest(t *testing.T) {
	const draws = 20
	gen := func(seed uint64) []ex1.OrderRequest {
		r := rand.New(rand.NewPCG(seed, 1))
		out := make([]ex1.OrderRequest, draws)
		for i := range out {
			out[i] = newOrderRequest(r)
		}
		return out
	}
	assert.Equal(t, gen(7), gen(7), "the same seed gives the same orders")
	assert.NotEqual(t, gen(7), gen(8), "another seed gives other orders")

	customers := map[string]bool{}
	for seed := range uint64(50) {
		for _, req := range gen(seed) {
			customers[req.CustomerID] = true
			assert.NotEmpty(t, req.CustomerID)
			assert.NotEmpty(t, req.Items)
			assert.LessOrEqual(t, len(req.Items), 3)
			sum := 0
			for _, it := range req.Items {
				assert.NotEmpty(t, it.ProductID)
				assert.Positive(t, it.Quantity)
				assert.Positive(t, it.Price)
				sum += it.Quantity * it.Price
			}
			assert.Equal(t, sum, req.Total, "the total is the items' sum")
		}
	}
	assert.Greater(t, len(customers), 50*draws*9/10, "customers vary")

	// One draw's orders differ from each other: duplicate-create's "different body".
	r := rand.New(rand.NewPCG(1, 1))
	a, b := newOrderRequest(r), newOrderRequest(r)
	assert.NotEqual(t, a, b)
}

func TestTotalOf(t *testing.T) {
	assert.Equal(t, 0, totalOf(nil))
	assert.Equal(t, 2*200+300, totalOf(anOrder().Items))
}
