// Broken on purpose: ReserveStock takes createdAt from time.Now() outside restate.Run, so a
// retried reservation writes a different record than the first attempt (journal mismatch).
//
//grade:lose stock-accurate duplicate-reservation
package main

import (
	"errors"
	"fmt"
	"time"

	"idempotency/contract/ex3"

	restate "github.com/restatedev/sdk-go"
)

// InventoryService is the reference solution of Exercise 3: a virtual object keyed by
// product ID. Restate runs one exclusive handler per product at a time, so a
// read-check-write of the stock needs no lock of its own.
type InventoryService struct{}

var _ ex3.InventoryService = InventoryService{}

const stockKey = "stock"

// levels is the stored stock; the total is derived from it, so it can never drift.
type levels struct {
	Available int `json:"available"`
	Reserved  int `json:"reserved"`
}

func (l levels) stockLevel(productID string) ex3.StockLevel {
	return ex3.StockLevel{
		ProductID:      productID,
		TotalStock:     l.Available + l.Reserved,
		AvailableStock: l.Available,
		ReservedStock:  l.Reserved,
	}
}

// Reservations and applied restocks are kept forever, one state key each: a late
// duplicate must find them, and reading one key is cheaper than a growing map.
func reservationKey(id string) string { return "reservation:" + id }
func restockKey(id string) string     { return "restock:" + id }

// Restock adds stock once per restock ID; a repeated restock returns the current level.
func (InventoryService) Restock(ctx restate.ObjectContext, req ex3.RestockRequest) (ex3.StockLevel, error) {
	if req.RestockID == "" {
		return ex3.StockLevel{}, badRequest(errors.New("restockId is required"))
	}
	stock, err := restate.Get[levels](ctx, stockKey)
	if err != nil {
		return ex3.StockLevel{}, err
	}
	applied, err := restate.Get[bool](ctx, restockKey(req.RestockID))
	if err != nil {
		return ex3.StockLevel{}, err
	}
	if applied {
		return stock.stockLevel(restate.Key(ctx)), nil
	}
	if req.Quantity <= 0 {
		return ex3.StockLevel{}, badRequest(fmt.Errorf("quantity must be positive, got %d", req.Quantity))
	}
	stock.Available += req.Quantity
	restate.Set(ctx, restockKey(req.RestockID), true)
	restate.Set(ctx, stockKey, stock)
	return stock.stockLevel(restate.Key(ctx)), nil
}

// ReserveStock moves Quantity units from available to reserved, once per reservation ID.
// Any later call with the same ID returns the stored reservation, whatever its status.
func (InventoryService) ReserveStock(ctx restate.ObjectContext, req ex3.ReservationRequest) (ex3.Reservation, error) {
	productID := restate.Key(ctx)
	if req.ReservationID == "" {
		return ex3.Reservation{}, badRequest(errors.New("reservationId is required"))
	}
	existing, err := restate.Get[*ex3.Reservation](ctx, reservationKey(req.ReservationID))
	if err != nil {
		return ex3.Reservation{}, err
	}
	if existing != nil {
		return *existing, nil
	}
	switch {
	case req.ProductID != "" && req.ProductID != productID:
		return ex3.Reservation{}, badRequest(fmt.Errorf("productId %q does not match the object key %q", req.ProductID, productID))
	case req.Quantity <= 0:
		return ex3.Reservation{}, badRequest(fmt.Errorf("quantity must be positive, got %d", req.Quantity))
	case req.TTLMillis < 0:
		return ex3.Reservation{}, badRequest(fmt.Errorf("ttlMillis must not be negative, got %d", req.TTLMillis))
	}
	stock, err := restate.Get[levels](ctx, stockKey)
	if err != nil {
		return ex3.Reservation{}, err
	}
	if stock.Available < req.Quantity {
		// A terminal error does not roll state back: check before writing anything.
		return ex3.Reservation{}, restate.ToTerminalError(
			fmt.Errorf("insufficient stock for %s: %d available, %d requested", productID, stock.Available, req.Quantity),
			restate.WithErrorCode(409))
	}
	createdAt := time.Now().UTC() // BROKEN: not journaled, a retry stores another reservation
	r := ex3.Reservation{
		ReservationID: req.ReservationID,
		ProductID:     productID,
		Quantity:      req.Quantity,
		Status:        ex3.StatusActive,
		CreatedAt:     createdAt,
	}
	stock.Available -= req.Quantity
	stock.Reserved += req.Quantity
	restate.Set(ctx, reservationKey(r.ReservationID), r)
	restate.Set(ctx, stockKey, stock)
	if req.TTLMillis > 0 {
		// A delayed call to this object, not restate.Sleep here: sleeping would hold the
		// product's lock for the whole TTL and queue every other call behind it.
		restate.ObjectSend(ctx, ex3.ServiceName, productID, ex3.ExpireReservation).
			Send(ex3.ExpireRequest{ReservationID: r.ReservationID}, restate.WithDelay(time.Duration(req.TTLMillis)*time.Millisecond))
	}
	return r, nil
}

// ReleaseReservation returns an active reservation's units to available stock, once.
// Releasing a released or expired reservation returns it unchanged.
func (InventoryService) ReleaseReservation(ctx restate.ObjectContext, req ex3.ReleaseRequest) (ex3.Reservation, error) {
	return end(ctx, req.ReservationID, ex3.StatusReleased)
}

// ExpireReservation is the delayed call ReserveStock schedules when a TTL is given: an
// active reservation expires, anything else stays as it is.
func (InventoryService) ExpireReservation(ctx restate.ObjectContext, req ex3.ExpireRequest) (ex3.Reservation, error) {
	return end(ctx, req.ReservationID, ex3.StatusExpired)
}

// end moves an active reservation to status and gives its units back. Only an active
// reservation holds units, so checking the status is what makes release and expiry
// happen once between them.
func end(ctx restate.ObjectContext, id, status string) (ex3.Reservation, error) {
	if id == "" {
		return ex3.Reservation{}, badRequest(errors.New("reservationId is required"))
	}
	r, err := restate.Get[*ex3.Reservation](ctx, reservationKey(id))
	if err != nil {
		return ex3.Reservation{}, err
	}
	if r == nil {
		return ex3.Reservation{}, notFound(restate.Key(ctx), id)
	}
	if r.Status != ex3.StatusActive {
		return *r, nil
	}
	stock, err := restate.Get[levels](ctx, stockKey)
	if err != nil {
		return ex3.Reservation{}, err
	}
	stock.Available += r.Quantity
	stock.Reserved -= r.Quantity
	r.Status = status
	restate.Set(ctx, reservationKey(id), *r)
	restate.Set(ctx, stockKey, stock)
	return *r, nil
}

// GetStockLevel returns the product's stock; a product never restocked has none.
func (InventoryService) GetStockLevel(ctx restate.ObjectSharedContext) (ex3.StockLevel, error) {
	stock, err := restate.Get[levels](ctx, stockKey)
	if err != nil {
		return ex3.StockLevel{}, err
	}
	return stock.stockLevel(restate.Key(ctx)), nil
}

// GetReservation returns a stored reservation or 404.
func (InventoryService) GetReservation(ctx restate.ObjectSharedContext, req ex3.GetReservationRequest) (ex3.Reservation, error) {
	r, err := restate.Get[*ex3.Reservation](ctx, reservationKey(req.ReservationID))
	if err != nil {
		return ex3.Reservation{}, err
	}
	if r == nil {
		return ex3.Reservation{}, notFound(restate.Key(ctx), req.ReservationID)
	}
	return *r, nil
}

func badRequest(err error) error {
	return restate.ToTerminalError(err, restate.WithErrorCode(400))
}

func notFound(productID, reservationID string) error {
	return restate.ToTerminalError(fmt.Errorf("no reservation %s for product %s", reservationID, productID), restate.WithErrorCode(404))
}
