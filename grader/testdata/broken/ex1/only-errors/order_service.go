// Broken on purpose: every handler fails with a terminal error: a service that answers
// only errors must score zero (and never pass a "nothing happened twice" check).
//
//grade:lose duplicate-create deterministic-number cancel-idempotent cancel-once update-order
package main

import (
	"errors"

	"idempotency/contract/ex1"

	restate "github.com/restatedev/sdk-go"
)

type OrderService struct{}

var _ ex1.OrderService = OrderService{}

var errDown = restate.ToTerminalError(errors.New("service unavailable"), restate.WithErrorCode(503))

func (OrderService) CreateOrder(restate.ObjectContext, ex1.OrderRequest) (ex1.Order, error) {
	return ex1.Order{}, errDown
}

func (OrderService) GetOrder(restate.ObjectSharedContext) (ex1.Order, error) {
	return ex1.Order{}, errDown
}

func (OrderService) CancelOrder(restate.ObjectContext) (ex1.Order, error) {
	return ex1.Order{}, errDown
}

func (OrderService) UpdateOrder(restate.ObjectContext, ex1.UpdateOrderRequest) (ex1.Order, error) {
	return ex1.Order{}, errDown
}
