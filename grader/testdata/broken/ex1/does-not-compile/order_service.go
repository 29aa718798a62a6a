// Broken on purpose: does not compile. Expected: every criterion "error", exit 3.
//
//grade:error
package main

import "idempotency/contract/ex1"

type OrderService struct{}

var _ ex1.OrderService = OrderService{} // missing methods: a compile error
