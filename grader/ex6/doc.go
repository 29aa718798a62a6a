// Package ex6 holds the scenarios that grade Exercise 6, the distributed transaction:
// the OrderOrchestrator and its four participant services. It judges a submission by
// what the outside world saw (the fixture world's ledger: charges, refunds, labels,
// notifications and the warehouse's stock feed), by the answers of ProcessOrder and
// GetOrderResult, and by Restate's introspection (which calls carried an idempotency
// key, whether a repeated ProcessOrder called the participants again, whether
// compensations ran one after the other).
//
// Effects are counted only once every invocation an order started has completed,
// one-way calls included (settle follows the calls each journal records); stored
// results are read back after the service process was restarted; every special case
// of the README (each failing step, a payment that includes shipping, a sold-out item
// that is not the first, orders that share a customer or a basket) is in every run.
package ex6
