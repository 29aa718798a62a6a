// Package ex1 is the contract of Exercise 1, the idempotent OrderService: the names the
// grader calls and the JSON shapes it sends and expects. Field names and JSON tags are the
// exercise text's.
package ex1

import (
	"time"

	restate "github.com/restatedev/sdk-go"
)

// Names of the virtual object and its handlers, as registered with Restate.
const (
	ServiceName = "OrderService"
	CreateOrder = "CreateOrder"
	GetOrder    = "GetOrder"
	CancelOrder = "CancelOrder"
	UpdateOrder = "UpdateOrder" // bonus
)

// Order statuses.
const (
	StatusPending   = "pending"
	StatusConfirmed = "confirmed"
	StatusCancelled = "cancelled"
)

// CancelledEvent is the event name of the cancellation notice CancelOrder sends through
// fixtures.SendNotification(customerID, CancelledEvent, orderID). It is how the grader
// sees that an order was cancelled once, not twice.
const CancelledEvent = "order.cancelled"

// OrderRequest is CreateOrder's input.
type OrderRequest struct {
	Items      []OrderItem `json:"items"`
	CustomerID string      `json:"customerId"`
	Total      int         `json:"total"`
}

// OrderItem is one line of an order. Price is in cents.
type OrderItem struct {
	ProductID string `json:"productId"`
	Quantity  int    `json:"quantity"`
	Price     int    `json:"price"`
}

// Order is what every handler returns and GetOrder reads.
type Order struct {
	OrderID     string      `json:"orderId"`
	OrderNumber string      `json:"orderNumber"`
	Items       []OrderItem `json:"items"`
	CustomerID  string      `json:"customerId"`
	Total       int         `json:"total"`
	Status      string      `json:"status"` // "pending", "confirmed", "cancelled"
	CreatedAt   time.Time   `json:"createdAt"`
}

// UpdateOrderRequest is the bonus UpdateOrder's input: the new items and total.
type UpdateOrderRequest struct {
	Items []OrderItem `json:"items"`
	Total int         `json:"total"`
}

// OrderService is what both the stub (exercises/ex1) and the reference solution
// (solutions/ex1) implement; each checks it at compile time.
type OrderService interface {
	CreateOrder(ctx restate.ObjectContext, req OrderRequest) (Order, error)
	GetOrder(ctx restate.ObjectSharedContext) (Order, error)
	CancelOrder(ctx restate.ObjectContext) (Order, error)
	UpdateOrder(ctx restate.ObjectContext, req UpdateOrderRequest) (Order, error)
}
