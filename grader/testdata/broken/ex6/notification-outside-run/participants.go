// Broken on purpose: NotificationService sends outside restate.Run, so a retried
// SendNotification sends the notice again.
// Expected to lose: retry-safe.
//
//grade:lose retry-safe
package main

import (
	"errors"
	"fmt"
	"strings"

	"idempotency/contract/ex6"
	"idempotency/fixtures"

	restate "github.com/restatedev/sdk-go"
)

// The four participants are finished: the exercise is the orchestrator. Each one does
// its effect inside restate.Run, so a retry of the handler replays the effect instead
// of repeating it. The payment and shipping gateways also get an idempotency key: the
// invocation ID, which stays the same across retries of one invocation, so a retry
// after a lost reply is recognised by the gateway. A second invocation is a second
// charge: that is what the orchestrator's restate.WithIdempotencyKey prevents, because
// Restate then answers a repeated call from the first invocation instead of starting one.

// InventoryService reserves stock for an order and releases it. The warehouse keeps the
// reservations: every reservation and release is reported to it, and the warehouse's
// message ID is the reservation ID.
type InventoryService struct{}

var _ ex6.InventoryService = InventoryService{}

// ReserveStock reserves the order's items: 409 when one is sold out.
func (InventoryService) ReserveStock(ctx restate.Context, req ex6.ReserveRequest) (ex6.Reservation, error) {
	if req.OrderID == "" || len(req.Items) == 0 {
		return ex6.Reservation{}, restate.ToTerminalError(errors.New("a reservation needs an order ID and items"), restate.WithErrorCode(400))
	}
	for _, it := range req.Items {
		if strings.HasPrefix(it.ProductID, ex6.SoldOutPrefix) {
			return ex6.Reservation{}, restate.ToTerminalError(fmt.Errorf("product %s is out of stock", it.ProductID), restate.WithErrorCode(409))
		}
	}
	id, err := restate.Run(ctx, func(restate.RunContext) (string, error) {
		return gateway(fixtures.SendNotification(ex6.Warehouse, ex6.EventStockReserved, req.OrderID))
	}, restate.WithName("reserve stock"))
	if err != nil {
		return ex6.Reservation{}, err
	}
	return ex6.Reservation{ID: id, OrderID: req.OrderID}, nil
}

// ReleaseReservation gives a reservation's stock back.
func (InventoryService) ReleaseReservation(ctx restate.Context, reservationID string) (restate.Void, error) {
	if reservationID == "" {
		return restate.Void{}, restate.ToTerminalError(errors.New("reservation ID required"), restate.WithErrorCode(400))
	}
	_, err := restate.Run(ctx, func(restate.RunContext) (string, error) {
		return gateway(fixtures.SendNotification(ex6.Warehouse, ex6.EventStockReleased, reservationID))
	}, restate.WithName("release stock"))
	return restate.Void{}, err
}

// PaymentService charges and refunds through the payment gateway.
type PaymentService struct{}

var _ ex6.PaymentService = PaymentService{}

// CreatePayment charges the customer: 402 when the card is declined.
func (PaymentService) CreatePayment(ctx restate.Context, req ex6.PaymentRequest) (ex6.Charge, error) {
	key := ctx.Request().ID
	id, err := restate.Run(ctx, func(restate.RunContext) (string, error) {
		return gatewayCode(402)(fixtures.Charge(key, req.CustomerID, req.Amount, "order "+req.OrderID))
	}, restate.WithName("charge"))
	if err != nil {
		return ex6.Charge{}, err
	}
	return ex6.Charge{ID: id, Amount: req.Amount}, nil
}

// RefundPayment refunds a charge.
func (PaymentService) RefundPayment(ctx restate.Context, req ex6.RefundRequest) (ex6.Refund, error) {
	key := ctx.Request().ID
	id, err := restate.Run(ctx, func(restate.RunContext) (string, error) {
		return gateway(fixtures.Refund(key, req.ChargeID, req.Amount))
	}, restate.WithName("refund"))
	if err != nil {
		return ex6.Refund{}, err
	}
	return ex6.Refund{ID: id}, nil
}

// ShippingService buys and voids shipping labels.
type ShippingService struct{}

var _ ex6.ShippingService = ShippingService{}

// CreateLabel buys the order's label: 422 when the address is undeliverable.
func (ShippingService) CreateLabel(ctx restate.Context, req ex6.LabelRequest) (ex6.Label, error) {
	key := ctx.Request().ID
	id, err := restate.Run(ctx, func(restate.RunContext) (string, error) {
		return gatewayCode(422)(fixtures.CreateShippingLabel(key, req.OrderID, req.Address))
	}, restate.WithName("create label"))
	if err != nil {
		return ex6.Label{}, err
	}
	return ex6.Label{ID: id}, nil
}

// CancelLabel voids a label.
func (ShippingService) CancelLabel(ctx restate.Context, labelID string) (restate.Void, error) {
	key := ctx.Request().ID
	_, err := restate.Run(ctx, func(restate.RunContext) (restate.Void, error) {
		_, err := gateway("", fixtures.CancelShippingLabel(key, labelID))
		return restate.Void{}, err
	}, restate.WithName("cancel label"))
	return restate.Void{}, err
}

// NotificationService tells a customer about an event.
type NotificationService struct{}

var _ ex6.NotificationService = NotificationService{}

// SendNotification sends one notification.
func (NotificationService) SendNotification(ctx restate.Context, req ex6.NotificationRequest) (ex6.Notification, error) {
	id, err := gateway(fixtures.SendNotification(req.CustomerID, req.Event, req.Reference))
	if err != nil {
		return ex6.Notification{}, err
	}
	return ex6.Notification{ID: id}, nil
}

// gateway turns a permanent gateway error into a terminal one (400), so Restate stops
// retrying it; a transient error stays retryable.
func gateway(result string, err error) (string, error) { return gatewayCode(400)(result, err) }

func gatewayCode(code restate.Code) func(string, error) (string, error) {
	return func(result string, err error) (string, error) {
		if errors.Is(err, fixtures.ErrPermanent) {
			return "", restate.ToTerminalError(err, restate.WithErrorCode(code))
		}
		return result, err
	}
}
