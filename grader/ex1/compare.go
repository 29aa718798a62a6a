package ex1

import (
	"idempotency/contract/ex1"
	"idempotency/grader"
)

// diffOrders lists the fields in which got differs from want ("" when none).
func diffOrders(want, got ex1.Order) string {
	var d grader.Diff
	d.Str("orderId", want.OrderID, got.OrderID)
	d.Str("orderNumber", want.OrderNumber, got.OrderNumber)
	d.Str("status", want.Status, got.Status)
	d.Str("customerId", want.CustomerID, got.CustomerID)
	d.Int("total", want.Total, got.Total)
	d.Value("items", want.Items, got.Items)
	d.Time("createdAt", want.CreatedAt, got.CreatedAt)
	return d.String()
}

// checkNumbered checks what identifies an order: its ID is the key, its
// number and createdAt are set ("" when they are).
func checkNumbered(key string, o ex1.Order) string {
	var d grader.Diff
	noteIdentity(&d, key, o)
	noteCreatedAt(&d, o)
	return d.String()
}

func noteIdentity(d *grader.Diff, key string, o ex1.Order) {
	if o.OrderID != key {
		d.Note("orderId %q, expected the object key %q", o.OrderID, key)
	}
	if o.OrderNumber == "" {
		d.Note("orderNumber is empty")
	}
}

func noteCreatedAt(d *grader.Diff, o ex1.Order) {
	if o.CreatedAt.IsZero() {
		d.Note("createdAt is not set")
	}
}

// checkCreated compares a fresh order with the request that made it ("" when it fits).
func checkCreated(key string, req ex1.OrderRequest, o ex1.Order) string {
	var d grader.Diff
	noteIdentity(&d, key, o)
	d.Str("status", ex1.StatusPending, o.Status)
	d.Str("customerId", req.CustomerID, o.CustomerID)
	d.Int("total", req.Total, o.Total)
	d.Value("items", req.Items, o.Items)
	noteCreatedAt(&d, o)
	return d.String()
}
