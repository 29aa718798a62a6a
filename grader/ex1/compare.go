package ex1

import (
	"fmt"
	"slices"
	"strings"

	"idempotency/contract/ex1"
)

// diffOrders lists the fields in which got differs from want ("" when none).
func diffOrders(want, got ex1.Order) string {
	var d []string
	if want.OrderID != got.OrderID {
		d = append(d, fmt.Sprintf("orderId %q != %q", got.OrderID, want.OrderID))
	}
	if want.OrderNumber != got.OrderNumber {
		d = append(d, fmt.Sprintf("orderNumber %q != %q", got.OrderNumber, want.OrderNumber))
	}
	if want.Status != got.Status {
		d = append(d, fmt.Sprintf("status %q != %q", got.Status, want.Status))
	}
	if want.CustomerID != got.CustomerID {
		d = append(d, fmt.Sprintf("customerId %q != %q", got.CustomerID, want.CustomerID))
	}
	if want.Total != got.Total {
		d = append(d, fmt.Sprintf("total %d != %d", got.Total, want.Total))
	}
	if !slices.Equal(want.Items, got.Items) {
		d = append(d, fmt.Sprintf("items %v != %v", got.Items, want.Items))
	}
	if !want.CreatedAt.Equal(got.CreatedAt) {
		d = append(d, fmt.Sprintf("createdAt %s != %s", got.CreatedAt.Format("15:04:05.000000"), want.CreatedAt.Format("15:04:05.000000")))
	}
	return strings.Join(d, ", ")
}

// checkCreated compares a fresh order with the request that made it.
func checkCreated(key string, req ex1.OrderRequest, o ex1.Order) string {
	var d []string
	if o.OrderID != key {
		d = append(d, fmt.Sprintf("orderId is %q, expected the object key %q", o.OrderID, key))
	}
	if o.OrderNumber == "" {
		d = append(d, "orderNumber is empty")
	}
	if o.Status != ex1.StatusPending {
		d = append(d, fmt.Sprintf("status is %q, expected %q", o.Status, ex1.StatusPending))
	}
	if o.CustomerID != req.CustomerID || o.Total != req.Total || !slices.Equal(o.Items, req.Items) {
		d = append(d, "items, customerId or total differ from the request")
	}
	if o.CreatedAt.IsZero() {
		d = append(d, "createdAt is not set")
	}
	return strings.Join(d, "; ")
}
