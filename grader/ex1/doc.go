// Package ex1 holds the scenarios that grade Exercise 1, the idempotent OrderService.
// It talks to a submission only through Restate's ingress, the fault proxy and the
// fixture world's ledger.
package ex1
