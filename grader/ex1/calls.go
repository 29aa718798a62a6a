package ex1

import (
	"context"
	"fmt"

	"idempotency/contract/ex1"
	"idempotency/grader"

	restate "github.com/restatedev/sdk-go"
)

func target(key, handler string) grader.Target {
	return grader.Target{Service: ex1.ServiceName, Key: key, Handler: handler}
}

func createOrder(ctx context.Context, env *grader.Env, key string, req ex1.OrderRequest) (ex1.Order, error) {
	return grader.Call[ex1.OrderRequest, ex1.Order](ctx, env, target(key, ex1.CreateOrder), req)
}

func getOrder(ctx context.Context, env *grader.Env, key string) (ex1.Order, error) {
	return grader.Call[restate.Void, ex1.Order](ctx, env, target(key, ex1.GetOrder), restate.Void{})
}

func cancelOrder(ctx context.Context, env *grader.Env, key string) (ex1.Order, error) {
	return grader.Call[restate.Void, ex1.Order](ctx, env, target(key, ex1.CancelOrder), restate.Void{})
}

func updateOrderCall(ctx context.Context, env *grader.Env, key string, req ex1.UpdateOrderRequest) (ex1.Order, error) {
	return grader.Call[ex1.UpdateOrderRequest, ex1.Order](ctx, env, target(key, ex1.UpdateOrder), req)
}

// describe prints an order the way a learner reads it.
func describe(o ex1.Order) string {
	return fmt.Sprintf("{orderId:%q orderNumber:%q status:%q customerId:%q total:%d items:%d createdAt:%s}",
		o.OrderID, o.OrderNumber, o.Status, o.CustomerID, o.Total, len(o.Items), o.CreatedAt.Format("2006-01-02T15:04:05.000Z07:00"))
}
