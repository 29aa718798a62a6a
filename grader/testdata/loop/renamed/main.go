// Command renamed is Exercise 1's service with CreateOrder renamed to CreateOrders: the
// grader must say which handler is missing and guess the rename.
package main

import (
	"idempotency/contract"
	"idempotency/contract/ex1"
	"idempotency/contract/serve"

	restate "github.com/restatedev/sdk-go"
)

// OrderService keeps every handler of the contract but one, which has a new name.
type OrderService struct{}

// CreateOrders should be CreateOrder.
func (OrderService) CreateOrders(ctx restate.ObjectContext, req ex1.OrderRequest) (ex1.Order, error) {
	return ex1.Order{}, contract.NotImplemented("CreateOrders")
}

// GetOrder is not implemented.
func (OrderService) GetOrder(ctx restate.ObjectSharedContext) (ex1.Order, error) {
	return ex1.Order{}, contract.NotImplemented("GetOrder")
}

// CancelOrder is not implemented.
func (OrderService) CancelOrder(ctx restate.ObjectContext) (ex1.Order, error) {
	return ex1.Order{}, contract.NotImplemented("CancelOrder")
}

// UpdateOrder is not implemented.
func (OrderService) UpdateOrder(ctx restate.ObjectContext, req ex1.UpdateOrderRequest) (ex1.Order, error) {
	return ex1.Order{}, contract.NotImplemented("UpdateOrder")
}

func main() { serve.Main(restate.Reflect(OrderService{})) }
