// Package ex3 is the contract of Exercise 3, the InventoryService: the names the grader
// calls and the JSON shapes it sends and expects. ReservationRequest, Reservation and
// StockLevel are the exercise text's; RestockRequest, ReleaseRequest and
// GetReservationRequest are the small inputs the text leaves out, and TTLMillis is the
// bonus's reservation timeout.
package ex3

import (
	"time"

	restate "github.com/restatedev/sdk-go"
)

// Names of the virtual object and its handlers, as registered with Restate. The object
// key is the product ID.
const (
	ServiceName        = "InventoryService"
	Restock            = "Restock"
	ReserveStock       = "ReserveStock"
	ReleaseReservation = "ReleaseReservation"
	GetStockLevel      = "GetStockLevel"
	GetReservation     = "GetReservation"
	ExpireReservation  = "ExpireReservation" // bonus: the reference's delayed self-call; the grader never calls it
)

// Reservation statuses.
const (
	StatusActive   = "active"
	StatusReleased = "released"
	StatusExpired  = "expired"
)

// RestockRequest is Restock's input: add Quantity units, once per RestockID.
type RestockRequest struct {
	RestockID string `json:"restockId"`
	Quantity  int    `json:"quantity"`
}

// ReservationRequest is ReserveStock's input. ProductID repeats the object key.
// TTLMillis (bonus) > 0 makes an active reservation expire that many milliseconds after
// it was made; 0 means it never expires.
type ReservationRequest struct {
	ProductID     string `json:"productId"`
	Quantity      int    `json:"quantity"`
	ReservationID string `json:"reservationId"`
	TTLMillis     int    `json:"ttlMillis,omitempty"`
}

// Reservation is what ReserveStock, ReleaseReservation and GetReservation return.
type Reservation struct {
	ReservationID string    `json:"reservationId"`
	ProductID     string    `json:"productId"`
	Quantity      int       `json:"quantity"`
	Status        string    `json:"status"` // "active", "released", "expired"
	CreatedAt     time.Time `json:"createdAt"`
}

// StockLevel is one product's stock: TotalStock = AvailableStock + ReservedStock.
type StockLevel struct {
	ProductID      string `json:"productId"`
	TotalStock     int    `json:"totalStock"`
	AvailableStock int    `json:"availableStock"`
	ReservedStock  int    `json:"reservedStock"`
}

// ReleaseRequest is ReleaseReservation's input.
type ReleaseRequest struct {
	ReservationID string `json:"reservationId"`
}

// GetReservationRequest is GetReservation's input.
type GetReservationRequest struct {
	ReservationID string `json:"reservationId"`
}

// ExpireRequest is the bonus ExpireReservation's input.
type ExpireRequest struct {
	ReservationID string `json:"reservationId"`
}

// InventoryService is what both the stub (exercises/ex3) and the reference solution
// (solutions/ex3) implement; each checks it at compile time.
type InventoryService interface {
	Restock(ctx restate.ObjectContext, req RestockRequest) (StockLevel, error)
	ReserveStock(ctx restate.ObjectContext, req ReservationRequest) (Reservation, error)
	ReleaseReservation(ctx restate.ObjectContext, req ReleaseRequest) (Reservation, error)
	GetStockLevel(ctx restate.ObjectSharedContext) (StockLevel, error)
	GetReservation(ctx restate.ObjectSharedContext, req GetReservationRequest) (Reservation, error)
	ExpireReservation(ctx restate.ObjectContext, req ExpireRequest) (Reservation, error)
}
