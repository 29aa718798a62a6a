// Package ex6 is the contract of Exercise 6, the distributed transaction: the
// OrderOrchestrator virtual object and the four participant services it coordinates.
// It holds the names the grader calls, the JSON shapes it sends and expects, and the
// events the participants report to the outside world, which is how the grader sees
// every effect of a transaction.
package ex6

import restate "github.com/restatedev/sdk-go"

// The orchestrator: a virtual object keyed by order ID.
const (
	OrchestratorName = "OrderOrchestrator"
	ProcessOrder     = "ProcessOrder"
	GetOrderResult   = "GetOrderResult"
)

// The participants: Restate services (no key) that wrap the fixture gateways.
const (
	InventoryServiceName = "InventoryService"
	ReserveStock         = "ReserveStock"
	ReleaseReservation   = "ReleaseReservation"

	PaymentServiceName = "PaymentService"
	CreatePayment      = "CreatePayment"
	RefundPayment      = "RefundPayment"

	ShippingServiceName = "ShippingService"
	CreateLabel         = "CreateLabel"
	CancelLabel         = "CancelLabel"

	NotificationServiceName = "NotificationService"
	SendNotification        = "SendNotification"
)

// Order statuses of OrderResult.
const (
	StatusCompleted = "completed"
	StatusFailed    = "failed"
)

// Events sent through fixtures.SendNotification. The customer hears about the order's
// outcome; the warehouse hears about every stock reservation and release (there is no
// inventory gateway: the warehouse's feed is the inventory's outside world).
const (
	// EventOrderConfirmed goes to the customer when the order completed (step 4).
	EventOrderConfirmed = "order.confirmed"
	// EventOrderFailed goes to the customer once the failed order has been compensated.
	EventOrderFailed = "order.failed"

	// Warehouse is the customer ID under which InventoryService reports to the warehouse.
	Warehouse = "warehouse"
	// EventStockReserved: reference is the order ID; the message's ID is the reservation ID.
	EventStockReserved = "stock.reserved"
	// EventStockReleased: reference is the reservation ID.
	EventStockReleased = "stock.released"
)

// SoldOutPrefix marks a product that is out of stock: ReserveStock refuses an order
// with such an item with a terminal 409 and reserves nothing.
const SoldOutPrefix = "soldout-"

// OrderRequest is ProcessOrder's input. Amounts are in cents.
type OrderRequest struct {
	Items           []OrderItem `json:"items"`
	CustomerID      string      `json:"customerId"`
	Payment         Payment     `json:"payment"`
	ShippingAddress string      `json:"shippingAddress"`
}

// OrderItem is one line of an order. Price is in cents.
type OrderItem struct {
	ProductID string `json:"productId"`
	Quantity  int    `json:"quantity"`
	Price     int    `json:"price"`
}

// Payment is what the order charges the customer.
type Payment struct {
	Amount int `json:"amount"` // cents, > 0
}

// OrderResult is ProcessOrder's output and what GetOrderResult reads. A completed order
// has all three IDs. A failed order has FailureReason; its IDs may name the steps that
// had completed before the failure (and were compensated), as the reference does, or
// be empty: the grader does not judge them (exercises/ex6/README.md).
type OrderResult struct {
	OrderID       string `json:"orderId"`
	Status        string `json:"status"` // "completed" or "failed"
	ReservationID string `json:"reservationId,omitempty"`
	ChargeID      string `json:"chargeId,omitempty"`
	LabelID       string `json:"labelId,omitempty"`
	FailureReason string `json:"failureReason,omitempty"`
}

// ReserveRequest is InventoryService.ReserveStock's input.
type ReserveRequest struct {
	OrderID string      `json:"orderId"`
	Items   []OrderItem `json:"items"`
}

// Reservation is what ReserveStock returns.
type Reservation struct {
	ID      string `json:"id"`
	OrderID string `json:"orderId"`
}

// PaymentRequest is PaymentService.CreatePayment's input.
type PaymentRequest struct {
	OrderID    string `json:"orderId"`
	CustomerID string `json:"customerId"`
	Amount     int    `json:"amount"`
}

// Charge is what CreatePayment returns.
type Charge struct {
	ID     string `json:"id"`
	Amount int    `json:"amount"`
}

// RefundRequest is PaymentService.RefundPayment's input: refund a whole charge.
type RefundRequest struct {
	ChargeID string `json:"chargeId"`
	Amount   int    `json:"amount"`
}

// Refund is what RefundPayment returns.
type Refund struct {
	ID string `json:"id"`
}

// LabelRequest is ShippingService.CreateLabel's input.
type LabelRequest struct {
	OrderID string `json:"orderId"`
	Address string `json:"address"`
}

// Label is what CreateLabel returns.
type Label struct {
	ID string `json:"id"`
}

// NotificationRequest is NotificationService.SendNotification's input.
type NotificationRequest struct {
	CustomerID string `json:"customerId"`
	Event      string `json:"event"`
	Reference  string `json:"reference"`
}

// Notification is what SendNotification returns.
type Notification struct {
	ID string `json:"id"`
}

// OrderOrchestrator is the learner's part of the exercise.
type OrderOrchestrator interface {
	ProcessOrder(ctx restate.ObjectContext, req OrderRequest) (OrderResult, error)
	GetOrderResult(ctx restate.ObjectSharedContext) (OrderResult, error)
}

// InventoryService reserves and releases stock; reservations live in the warehouse,
// which it tells about each one.
type InventoryService interface {
	ReserveStock(ctx restate.Context, req ReserveRequest) (Reservation, error)
	ReleaseReservation(ctx restate.Context, reservationID string) (restate.Void, error)
}

// PaymentService charges and refunds through the payment gateway.
type PaymentService interface {
	CreatePayment(ctx restate.Context, req PaymentRequest) (Charge, error)
	RefundPayment(ctx restate.Context, req RefundRequest) (Refund, error)
}

// ShippingService buys and voids shipping labels.
type ShippingService interface {
	CreateLabel(ctx restate.Context, req LabelRequest) (Label, error)
	CancelLabel(ctx restate.Context, labelID string) (restate.Void, error)
}

// NotificationService tells customers (and the warehouse) about events.
type NotificationService interface {
	SendNotification(ctx restate.Context, req NotificationRequest) (Notification, error)
}
