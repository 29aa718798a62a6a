// Broken on purpose: stock and reservations live in a Go map in the service process, not in
// Restate state. Everything works until the process restarts, and then it is all gone.
// Expected to lose: stock-accurate (it restarts the service process half-way).
//
//grade:lose stock-accurate
package main

import (
	"errors"
	"fmt"
	"sync"
	"time"

	"idempotency/contract/ex3"

	restate "github.com/restatedev/sdk-go"
)

// InventoryService keeps its products in memory.
type InventoryService struct{}

var _ ex3.InventoryService = InventoryService{}

type product struct {
	available, reserved int
	restocks            map[string]bool
	reservations        map[string]ex3.Reservation
}

var (
	mu       sync.Mutex // Restate runs different products at the same time
	products = map[string]*product{}
)

func productOf(key string) *product {
	p := products[key]
	if p == nil {
		p = &product{restocks: map[string]bool{}, reservations: map[string]ex3.Reservation{}}
		products[key] = p
	}
	return p
}

func (p *product) level(key string) ex3.StockLevel {
	return ex3.StockLevel{ProductID: key, TotalStock: p.available + p.reserved, AvailableStock: p.available, ReservedStock: p.reserved}
}

// Restock adds stock once per restock ID.
func (InventoryService) Restock(ctx restate.ObjectContext, req ex3.RestockRequest) (ex3.StockLevel, error) {
	if req.RestockID == "" || req.Quantity <= 0 {
		return ex3.StockLevel{}, badRequest(errors.New("restockId and a positive quantity are required"))
	}
	mu.Lock()
	defer mu.Unlock()
	p := productOf(restate.Key(ctx))
	if !p.restocks[req.RestockID] {
		p.restocks[req.RestockID] = true
		p.available += req.Quantity
	}
	return p.level(restate.Key(ctx)), nil
}

// ReserveStock reserves once per reservation ID.
func (InventoryService) ReserveStock(ctx restate.ObjectContext, req ex3.ReservationRequest) (ex3.Reservation, error) {
	if req.ReservationID == "" || req.Quantity <= 0 || req.TTLMillis < 0 {
		return ex3.Reservation{}, badRequest(errors.New("reservationId and a positive quantity are required"))
	}
	key := restate.Key(ctx)
	mu.Lock()
	p := productOf(key)
	if r, ok := p.reservations[req.ReservationID]; ok {
		mu.Unlock()
		return r, nil
	}
	if p.available < req.Quantity {
		mu.Unlock()
		return ex3.Reservation{}, restate.ToTerminalError(
			fmt.Errorf("insufficient stock for %s: %d available, %d requested", key, p.available, req.Quantity),
			restate.WithErrorCode(409))
	}
	r := ex3.Reservation{ReservationID: req.ReservationID, ProductID: key, Quantity: req.Quantity, Status: ex3.StatusActive, CreatedAt: time.Now().UTC()}
	p.reservations[r.ReservationID] = r
	p.available -= req.Quantity
	p.reserved += req.Quantity
	mu.Unlock()
	if req.TTLMillis > 0 {
		restate.ObjectSend(ctx, ex3.ServiceName, key, ex3.ExpireReservation).
			Send(ex3.ExpireRequest{ReservationID: r.ReservationID}, restate.WithDelay(time.Duration(req.TTLMillis)*time.Millisecond))
	}
	return r, nil
}

// ReleaseReservation gives an active reservation's units back once.
func (InventoryService) ReleaseReservation(ctx restate.ObjectContext, req ex3.ReleaseRequest) (ex3.Reservation, error) {
	return end(restate.Key(ctx), req.ReservationID, ex3.StatusReleased)
}

// ExpireReservation expires an active reservation.
func (InventoryService) ExpireReservation(ctx restate.ObjectContext, req ex3.ExpireRequest) (ex3.Reservation, error) {
	return end(restate.Key(ctx), req.ReservationID, ex3.StatusExpired)
}

func end(key, id, status string) (ex3.Reservation, error) {
	mu.Lock()
	defer mu.Unlock()
	p := productOf(key)
	r, ok := p.reservations[id]
	if !ok {
		return ex3.Reservation{}, notFound(key, id)
	}
	if r.Status != ex3.StatusActive {
		return r, nil
	}
	p.available += r.Quantity
	p.reserved -= r.Quantity
	r.Status = status
	p.reservations[id] = r
	return r, nil
}

// GetStockLevel returns the product's stock.
func (InventoryService) GetStockLevel(ctx restate.ObjectSharedContext) (ex3.StockLevel, error) {
	mu.Lock()
	defer mu.Unlock()
	return productOf(restate.Key(ctx)).level(restate.Key(ctx)), nil
}

// GetReservation returns a reservation or 404.
func (InventoryService) GetReservation(ctx restate.ObjectSharedContext, req ex3.GetReservationRequest) (ex3.Reservation, error) {
	mu.Lock()
	defer mu.Unlock()
	r, ok := productOf(restate.Key(ctx)).reservations[req.ReservationID]
	if !ok {
		return ex3.Reservation{}, notFound(restate.Key(ctx), req.ReservationID)
	}
	return r, nil
}

func badRequest(err error) error {
	return restate.ToTerminalError(err, restate.WithErrorCode(400))
}

func notFound(productID, reservationID string) error {
	return restate.ToTerminalError(fmt.Errorf("no reservation %s for product %s", reservationID, productID), restate.WithErrorCode(404))
}
