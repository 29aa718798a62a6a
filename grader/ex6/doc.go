// Package ex6 holds the scenarios that grade Exercise 6, the distributed transaction:
// the OrderOrchestrator and its four participant services. It judges a submission by
// what the outside world saw (the fixture world's ledger: charges, refunds, labels,
// notifications and the warehouse's stock feed), by the answers of ProcessOrder and
// GetOrderResult, and by Restate's introspection (which calls carried an idempotency
// key, whether a repeated ProcessOrder called the participants again).
package ex6
