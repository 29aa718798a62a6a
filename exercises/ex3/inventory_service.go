package main

import (
	"idempotency/contract"
	"idempotency/contract/ex3"

	restate "github.com/restatedev/sdk-go"
)

// InventoryService is a Restate virtual object; its key is the product ID.
// Read README.md in this folder first, then work through the TODO steps in order and
// re-run `go run ./cmd/grade ex3` after each one: every step turns a criterion green.
//
// Keep everything in Restate state (restate.Get / restate.Set), never in Go variables:
// the grader restarts your service process, and whatever lived only in its memory is gone.
type InventoryService struct{}

// The compiler checks that InventoryService keeps the contract the grader calls.
var _ ex3.InventoryService = InventoryService{}

// Restock adds stock to the product, once per restock ID.
//
// TODO step 1 (needed by every criterion: each scenario starts by restocking):
//   - keep the stock in one state key, e.g. restate.Get[ex3.StockLevel](ctx, "stock_level")
//     (a missing key reads as the zero value: no stock yet)
//   - remember each applied restock ID in state, e.g. restate.Set(ctx, "restock:"+req.RestockID, true);
//     a restock ID seen before changes nothing and returns the current level
//   - otherwise add req.Quantity to available (and total), store, and return the level
//   - quantity <= 0 or an empty restockId -> restate.ToTerminalError(err, restate.WithErrorCode(400))
func (InventoryService) Restock(ctx restate.ObjectContext, req ex3.RestockRequest) (ex3.StockLevel, error) {
	return ex3.StockLevel{}, contract.NotImplemented("Restock")
}

// GetStockLevel returns the product's stock.
//
// TODO step 2: read the stored level and return it with ProductID = restate.Key(ctx) and
// TotalStock = AvailableStock + ReservedStock. A product never restocked has zero stock (not 404).
func (InventoryService) GetStockLevel(ctx restate.ObjectSharedContext) (ex3.StockLevel, error) {
	return ex3.StockLevel{}, contract.NotImplemented("GetStockLevel")
}

// ReserveStock moves req.Quantity units from available to reserved, once per reservation ID.
//
// TODO step 3 (criterion "Duplicate reservations don't reduce stock twice"):
//   - first look for a reservation stored under this ID: restate.Get[*ex3.Reservation](ctx, "reservation:"+req.ReservationID)
//   - if there is one, return it unchanged, whatever its status and whatever the request's quantity
//   - not enough available stock -> restate.ToTerminalError(err, restate.WithErrorCode(409)),
//     and check this BEFORE you restate.Set anything: a terminal error does not undo state you already wrote
//   - otherwise build the reservation (status ex3.StatusActive, productId = the object key,
//     createdAt from restate.Run so a retry reuses it), store it and the new stock level, return it
//
// TODO step 4 (criterion "Concurrent reservations handled correctly", once GetReservation of
// step 5 answers too: the grader reads every reservation back with it): nothing more to write if
// ReserveStock is an exclusive handler (restate.ObjectContext): Restate runs one at a time per
// product, so the check in step 3 cannot be raced. Never keep a copy of the stock in a Go variable.
//
// TODO bonus (expiry): when req.TTLMillis > 0, schedule the expiry without blocking this product:
//
//	restate.ObjectSend(ctx, ex3.ServiceName, restate.Key(ctx), ex3.ExpireReservation).
//		Send(ex3.ExpireRequest{ReservationID: id}, restate.WithDelay(time.Duration(req.TTLMillis)*time.Millisecond))
//
// (a restate.Sleep inside ReserveStock would hold the product's lock for the whole TTL).
func (InventoryService) ReserveStock(ctx restate.ObjectContext, req ex3.ReservationRequest) (ex3.Reservation, error) {
	return ex3.Reservation{}, contract.NotImplemented("ReserveStock")
}

// GetReservation returns a stored reservation, or a terminal 404.
//
// TODO step 5 (the grader reads reservations back with it: every criterion but "Duplicate
// reservations" needs it):
// restate.Get the reservation; when it is nil return
// restate.ToTerminalError(fmt.Errorf("reservation %s not found", req.ReservationID), restate.WithErrorCode(404)).
func (InventoryService) GetReservation(ctx restate.ObjectSharedContext, req ex3.GetReservationRequest) (ex3.Reservation, error) {
	return ex3.Reservation{}, contract.NotImplemented("GetReservation")
}

// ReleaseReservation gives an active reservation's units back, once.
//
// TODO step 6 (criteria "Releasing reservation restores stock", and with it "Stock levels accurate"):
//   - unknown reservation ID (never reserved, or refused with 409) -> terminal 404, and change nothing
//   - status other than active (already released, or expired) -> return the reservation as it is:
//     no error, no stock change
//   - otherwise add its quantity back to available, take it off reserved, set status
//     ex3.StatusReleased, store both, and return the reservation. Keep the released record:
//     a late duplicate ReserveStock or ReleaseReservation must find it
func (InventoryService) ReleaseReservation(ctx restate.ObjectContext, req ex3.ReleaseRequest) (ex3.Reservation, error) {
	return ex3.Reservation{}, contract.NotImplemented("ReleaseReservation")
}

// ExpireReservation (bonus) is the delayed call ReserveStock schedules for a reservation with a TTL.
//
// TODO bonus: like a release, but the status becomes ex3.StatusExpired, and only an ACTIVE
// reservation gives units back: one that was released before its TTL ran out stays released,
// and its units are not returned a second time.
func (InventoryService) ExpireReservation(ctx restate.ObjectContext, req ex3.ExpireRequest) (ex3.Reservation, error) {
	return ex3.Reservation{}, contract.NotImplemented("ExpireReservation")
}
