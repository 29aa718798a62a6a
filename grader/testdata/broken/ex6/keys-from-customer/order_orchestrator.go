// Broken on purpose: the idempotency keys are made from the customer ID, so two orders of
// one customer share keys and Restate answers the second with the first one's calls.
// Expected to lose: idempotency-keys, no-duplicates.
//
//grade:lose idempotency-keys no-duplicates
package main

import (
	"errors"
	"fmt"

	"idempotency/contract/ex6"

	restate "github.com/restatedev/sdk-go"
)

// OrderOrchestrator is the reference solution of Exercise 6: a virtual object keyed by
// order ID that runs the order as a saga. Each step is a call to a participant with an
// idempotency key made from the order ID; each completed step registers its
// compensation, and a terminal failure runs the registered compensations in reverse.
type OrderOrchestrator struct{}

var _ ex6.OrderOrchestrator = OrderOrchestrator{}

const resultKey = "result"

// ProcessOrder runs the order once; any later call returns the stored result.
func (OrderOrchestrator) ProcessOrder(ctx restate.ObjectContext, req ex6.OrderRequest) (ex6.OrderResult, error) {
	orderID := restate.Key(ctx)
	stored, err := restate.Get[*ex6.OrderResult](ctx, resultKey)
	if err != nil {
		return ex6.OrderResult{}, err
	}
	if stored != nil {
		return *stored, nil
	}
	if err := validate(req); err != nil {
		return ex6.OrderResult{}, err
	}

	s := saga{ctx: ctx, orderID: orderID, customerID: req.CustomerID, result: ex6.OrderResult{OrderID: orderID}}

	reservation, err := restate.Service[ex6.Reservation](ctx, ex6.InventoryServiceName, ex6.ReserveStock).
		Request(ex6.ReserveRequest{OrderID: orderID, Items: req.Items}, s.key("reserve"))
	if err != nil {
		return s.fail(req, "reserve stock", err)
	}
	s.result.ReservationID = reservation.ID
	s.onFailure(func() error {
		_, err := restate.Service[restate.Void](ctx, ex6.InventoryServiceName, ex6.ReleaseReservation).
			Request(reservation.ID, s.key("release"))
		return err
	})

	charge, err := restate.Service[ex6.Charge](ctx, ex6.PaymentServiceName, ex6.CreatePayment).
		Request(ex6.PaymentRequest{OrderID: orderID, CustomerID: req.CustomerID, Amount: req.Payment.Amount}, s.key("payment"))
	if err != nil {
		return s.fail(req, "payment", err)
	}
	s.result.ChargeID = charge.ID
	s.onFailure(func() error {
		_, err := restate.Service[ex6.Refund](ctx, ex6.PaymentServiceName, ex6.RefundPayment).
			Request(ex6.RefundRequest{ChargeID: charge.ID, Amount: charge.Amount}, s.key("refund"))
		return err
	})

	label, err := restate.Service[ex6.Label](ctx, ex6.ShippingServiceName, ex6.CreateLabel).
		Request(ex6.LabelRequest{OrderID: orderID, Address: req.ShippingAddress}, s.key("label"))
	if err != nil {
		return s.fail(req, "shipping label", err)
	}
	s.result.LabelID = label.ID
	s.onFailure(func() error {
		_, err := restate.Service[restate.Void](ctx, ex6.ShippingServiceName, ex6.CancelLabel).
			Request(label.ID, s.key("cancel-label"))
		return err
	})

	if err := s.notify(req.CustomerID, ex6.EventOrderConfirmed, "confirm"); err != nil {
		return s.fail(req, "confirmation", err)
	}
	s.result.Status = ex6.StatusCompleted
	restate.Set(ctx, resultKey, s.result)
	return s.result, nil
}

// GetOrderResult returns the stored result, or 404 before the order has been processed.
func (OrderOrchestrator) GetOrderResult(ctx restate.ObjectSharedContext) (ex6.OrderResult, error) {
	stored, err := restate.Get[*ex6.OrderResult](ctx, resultKey)
	if err != nil {
		return ex6.OrderResult{}, err
	}
	if stored == nil {
		return ex6.OrderResult{}, restate.ToTerminalError(fmt.Errorf("order %s has not been processed", restate.Key(ctx)), restate.WithErrorCode(404))
	}
	return *stored, nil
}

// saga is one run of ProcessOrder: the result so far and the compensations of the
// steps that completed.
type saga struct {
	ctx           restate.ObjectContext
	orderID       string
	customerID    string
	result        ex6.OrderResult
	compensations []func() error
}

// key is the idempotency key of one step: the order ID and the step, so a repeat of the
// step for this order is recognised and a step of another order never is.
func (s *saga) key(step string) restate.RequestOption {
	return restate.WithIdempotencyKey(s.customerID + "-" + step)
}

func (s *saga) onFailure(compensate func() error) {
	s.compensations = append(s.compensations, compensate)
}

func (s *saga) notify(customerID, event, step string) error {
	_, err := restate.Service[ex6.Notification](s.ctx, ex6.NotificationServiceName, ex6.SendNotification).
		Request(ex6.NotificationRequest{CustomerID: customerID, Event: event, Reference: s.orderID}, s.key(step))
	return err
}

// fail ends the order after a step failed terminally: the compensations run in reverse,
// the customer is told, and the failed result is stored like a completed one.
func (s *saga) fail(req ex6.OrderRequest, step string, cause error) (ex6.OrderResult, error) {
	for i := len(s.compensations) - 1; i >= 0; i-- {
		if err := s.compensations[i](); err != nil {
			return ex6.OrderResult{}, err
		}
	}
	if err := s.notify(req.CustomerID, ex6.EventOrderFailed, "failure-notice"); err != nil {
		return ex6.OrderResult{}, err
	}
	s.result.Status = ex6.StatusFailed
	s.result.FailureReason = step + ": " + cause.Error()
	restate.Set(s.ctx, resultKey, s.result)
	return s.result, nil
}

func validate(req ex6.OrderRequest) error {
	var problems []error
	if len(req.Items) == 0 {
		problems = append(problems, errors.New("an order needs at least one item"))
	}
	for _, it := range req.Items {
		if it.ProductID == "" || it.Quantity <= 0 {
			problems = append(problems, fmt.Errorf("invalid item %+v", it))
		}
	}
	if req.CustomerID == "" {
		problems = append(problems, errors.New("customerId is required"))
	}
	if req.Payment.Amount <= 0 {
		problems = append(problems, errors.New("payment.amount must be positive"))
	}
	if req.ShippingAddress == "" {
		problems = append(problems, errors.New("shippingAddress is required"))
	}
	if len(problems) > 0 {
		return restate.ToTerminalError(errors.Join(problems...), restate.WithErrorCode(400))
	}
	return nil
}
