package ex3

import (
	"context"
	"fmt"

	"idempotency/contract/ex3"
	"idempotency/grader"

	restate "github.com/restatedev/sdk-go"
)

func target(key, handler string) grader.Target {
	return grader.Target{Service: ex3.ServiceName, Key: key, Handler: handler}
}

func restock(ctx context.Context, env *grader.Env, key string, req ex3.RestockRequest) (ex3.StockLevel, error) {
	return grader.Call[ex3.RestockRequest, ex3.StockLevel](ctx, env, target(key, ex3.Restock), req)
}

func reserve(ctx context.Context, env *grader.Env, key string, req ex3.ReservationRequest) (ex3.Reservation, error) {
	return grader.Call[ex3.ReservationRequest, ex3.Reservation](ctx, env, target(key, ex3.ReserveStock), req)
}

func release(ctx context.Context, env *grader.Env, key, id string) (ex3.Reservation, error) {
	return grader.Call[ex3.ReleaseRequest, ex3.Reservation](ctx, env, target(key, ex3.ReleaseReservation), ex3.ReleaseRequest{ReservationID: id})
}

func getStock(ctx context.Context, env *grader.Env, key string) (ex3.StockLevel, error) {
	return grader.Call[restate.Void, ex3.StockLevel](ctx, env, target(key, ex3.GetStockLevel), restate.Void{})
}

func getReservation(ctx context.Context, env *grader.Env, key, id string) (ex3.Reservation, error) {
	return grader.Call[ex3.GetReservationRequest, ex3.Reservation](ctx, env, target(key, ex3.GetReservation), ex3.GetReservationRequest{ReservationID: id})
}

// unexpectedCode reports a call that should have failed with a given code; got is the
// answer it gave instead, when it succeeded. An error answer is explained the way
// env.Unexpected does (a plain error retried until the budget ran out, a panic...).
func unexpectedCode(env *grader.Env, sent, expected string, got fmt.Stringer, err error) error {
	if err == nil {
		return grader.Fail(sent, expected, "success: %s", got)
	}
	return env.Unexpected(sent, expected, err)
}

// shown makes a reservation or a stock level printable the way a learner reads it.
type shownReservation ex3.Reservation

func (r shownReservation) String() string {
	return fmt.Sprintf("{reservationId:%q productId:%q quantity:%d status:%q createdAt:%s}",
		r.ReservationID, r.ProductID, r.Quantity, r.Status, r.CreatedAt.Format("2006-01-02T15:04:05.000Z07:00"))
}

type shownStock ex3.StockLevel

func (s shownStock) String() string {
	return fmt.Sprintf("{productId:%q totalStock:%d availableStock:%d reservedStock:%d}",
		s.ProductID, s.TotalStock, s.AvailableStock, s.ReservedStock)
}

func describeReservation(r ex3.Reservation) string { return shownReservation(r).String() }
func describeStock(s ex3.StockLevel) string        { return shownStock(s).String() }

// needs is a scenario's Needs: the InventoryService handlers it calls.
func needs(handlers ...string) map[string][]string {
	return map[string][]string{ex3.ServiceName: handlers}
}
