package main

import (
	"errors"
	"fmt"
	"time"

	"idempotency/contract/ex1"
	"idempotency/fixtures"

	restate "github.com/restatedev/sdk-go"
)

// OrderService is the reference solution of Exercise 1: a virtual object keyed by order ID.
type OrderService struct{}

var _ ex1.OrderService = OrderService{}

const orderKey = "order"

// CreateOrder stores a new pending order once; any later call returns the stored order.
func (OrderService) CreateOrder(ctx restate.ObjectContext, req ex1.OrderRequest) (ex1.Order, error) {
	existing, err := restate.Get[*ex1.Order](ctx, orderKey)
	if err != nil {
		return ex1.Order{}, err
	}
	if existing != nil {
		return *existing, nil
	}
	if err := validateItems(req.Items, req.Total); err != nil {
		return ex1.Order{}, err
	}
	if req.CustomerID == "" {
		return ex1.Order{}, badRequest(errors.New("customerId is required"))
	}
	// Both values are journaled: a retry after a crash reads them back instead of
	// computing new ones.
	createdAt, err := restate.Run(ctx, func(restate.RunContext) (time.Time, error) {
		return time.Now().UTC(), nil
	})
	if err != nil {
		return ex1.Order{}, err
	}
	order := ex1.Order{
		OrderID:     restate.Key(ctx),
		OrderNumber: fmt.Sprintf("ORD-%012d", restate.Rand(ctx).Uint64()%1_000_000_000_000),
		Items:       req.Items,
		CustomerID:  req.CustomerID,
		Total:       req.Total,
		Status:      ex1.StatusPending,
		CreatedAt:   createdAt,
	}
	restate.Set(ctx, orderKey, order)
	return order, nil
}

// GetOrder returns the stored order or 404.
func (OrderService) GetOrder(ctx restate.ObjectSharedContext) (ex1.Order, error) {
	order, err := restate.Get[*ex1.Order](ctx, orderKey)
	if err != nil {
		return ex1.Order{}, err
	}
	if order == nil {
		return ex1.Order{}, notFound(restate.Key(ctx))
	}
	return *order, nil
}

// CancelOrder moves a pending order to cancelled and sends one cancellation notice.
func (OrderService) CancelOrder(ctx restate.ObjectContext) (ex1.Order, error) {
	misbehave()
	order, err := restate.Get[*ex1.Order](ctx, orderKey)
	if err != nil {
		return ex1.Order{}, err
	}
	if order == nil {
		return ex1.Order{}, notFound(restate.Key(ctx))
	}
	if order.Status == ex1.StatusCancelled {
		return *order, nil
	}
	if _, err := restate.Run(ctx, func(restate.RunContext) (string, error) {
		return fixtures.SendNotification(order.CustomerID, ex1.CancelledEvent, order.OrderID)
	}); err != nil {
		return ex1.Order{}, err
	}
	order.Status = ex1.StatusCancelled
	restate.Set(ctx, orderKey, *order)
	return *order, nil
}

// UpdateOrder replaces items and total while the order is pending.
func (OrderService) UpdateOrder(ctx restate.ObjectContext, req ex1.UpdateOrderRequest) (ex1.Order, error) {
	order, err := restate.Get[*ex1.Order](ctx, orderKey)
	if err != nil {
		return ex1.Order{}, err
	}
	if order == nil {
		return ex1.Order{}, notFound(restate.Key(ctx))
	}
	if order.Status != ex1.StatusPending {
		return ex1.Order{}, restate.ToTerminalError(
			fmt.Errorf("order %s is %s: only pending orders can be updated", order.OrderID, order.Status),
			restate.WithErrorCode(409))
	}
	if err := validateItems(req.Items, req.Total); err != nil {
		return ex1.Order{}, err
	}
	order.Items = req.Items
	order.Total = req.Total
	restate.Set(ctx, orderKey, *order)
	return *order, nil
}

func validateItems(items []ex1.OrderItem, total int) error {
	if len(items) == 0 {
		return badRequest(errors.New("an order needs at least one item"))
	}
	for _, it := range items {
		if it.ProductID == "" || it.Quantity <= 0 || it.Price < 0 {
			return badRequest(fmt.Errorf("invalid item %+v", it))
		}
	}
	if total < 0 {
		return badRequest(errors.New("total must not be negative"))
	}
	return nil
}

func badRequest(err error) error {
	return restate.ToTerminalError(err, restate.WithErrorCode(400))
}

func notFound(orderID string) error {
	return restate.ToTerminalError(fmt.Errorf("order %s not found", orderID), restate.WithErrorCode(404))
}
