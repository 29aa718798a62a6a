package main

import (
	"idempotency/contract"
	"idempotency/contract/ex1"

	restate "github.com/restatedev/sdk-go"
)

// OrderService is a Restate virtual object; its key is the order ID.
// Read README.md in this folder first, then work through the TODO steps in order and
// re-run `go run ./cmd/grade ex1` after each one: every step turns a criterion green.
type OrderService struct{}

// The compiler checks that OrderService keeps the contract the grader calls.
var _ ex1.OrderService = OrderService{}

// CreateOrder creates the order stored under this object's key, once.
//
// TODO step 1 (criterion "Duplicate CreateOrder returns same order"):
//   - the order ID is the object key: restate.Key(ctx)
//   - look for an order already stored: restate.Get[*ex1.Order](ctx, "order")
//   - if there is one, return it unchanged, whatever the request says
//   - invalid input (no items, no customerId) -> restate.ToTerminalError(err, restate.WithErrorCode(400))
//
// TODO step 2 (criterion "Order number is deterministic"):
//   - make the order number from restate.Rand(ctx), never math/rand: Restate
//     retries handlers, and a retry must compute the same number
//   - take createdAt from restate.Run(ctx, func(restate.RunContext) (time.Time, error) {...}),
//     never time.Now() directly: a Run's result is journaled, so a retry reuses it
//   - store the order with status ex1.StatusPending: restate.Set(ctx, "order", order)
func (OrderService) CreateOrder(ctx restate.ObjectContext, req ex1.OrderRequest) (ex1.Order, error) {
	return ex1.Order{}, contract.NotImplemented("CreateOrder")
}

// GetOrder returns the stored order, or a terminal 404 when there is none.
//
// TODO step 3: restate.Get the order; when it is nil return
// restate.ToTerminalError(fmt.Errorf("order %s not found", restate.Key(ctx)), restate.WithErrorCode(404)).
func (OrderService) GetOrder(ctx restate.ObjectSharedContext) (ex1.Order, error) {
	return ex1.Order{}, contract.NotImplemented("GetOrder")
}

// CancelOrder cancels the order, once; cancelling again returns the cancelled order.
//
// TODO step 4 (criteria "CancelOrder is idempotent" and "Cannot cancel twice"):
//   - unknown order -> terminal 404, and create nothing
//   - already cancelled -> return the stored order as it is: no error, no second notice
//   - otherwise send the cancellation notice inside restate.Run, so a retry does not send it again:
//     fixtures.SendNotification(order.CustomerID, ex1.CancelledEvent, order.OrderID)
//   - set the status to ex1.StatusCancelled, store the order and return it
func (OrderService) CancelOrder(ctx restate.ObjectContext) (ex1.Order, error) {
	return ex1.Order{}, contract.NotImplemented("CancelOrder")
}

// UpdateOrder (bonus) replaces the items and total of a pending order.
//
// TODO bonus: unknown order -> 404; status other than pending -> terminal 409 and no
// change; otherwise replace Items and Total, keep everything else, store and return it.
func (OrderService) UpdateOrder(ctx restate.ObjectContext, req ex1.UpdateOrderRequest) (ex1.Order, error) {
	return ex1.Order{}, contract.NotImplemented("UpdateOrder")
}
