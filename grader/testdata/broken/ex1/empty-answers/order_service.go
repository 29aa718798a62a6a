// Broken on purpose: every handler answers success with an empty order and does
// nothing: a service that answers nothing must score zero.
//
//grade:lose duplicate-create deterministic-number cancel-idempotent cancel-once update-order
package main

import (
	"idempotency/contract/ex1"

	restate "github.com/restatedev/sdk-go"
)

type OrderService struct{}

var _ ex1.OrderService = OrderService{}

func (OrderService) CreateOrder(restate.ObjectContext, ex1.OrderRequest) (ex1.Order, error) {
	return ex1.Order{}, nil
}

func (OrderService) GetOrder(restate.ObjectSharedContext) (ex1.Order, error) { return ex1.Order{}, nil }

func (OrderService) CancelOrder(restate.ObjectContext) (ex1.Order, error) { return ex1.Order{}, nil }

func (OrderService) UpdateOrder(restate.ObjectContext, ex1.UpdateOrderRequest) (ex1.Order, error) {
	return ex1.Order{}, nil
}
