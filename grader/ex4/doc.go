// Package ex4 holds the scenarios that grade Exercise 4, the SubscriptionService. It
// talks to a submission only through Restate's ingress, the fault proxy, Restate's
// introspection and the fixture world's ledger, and computes every amount it expects
// from the billing rules in billing.go, which the exercise's README states.
package ex4
