// Package ex5 holds the scenarios that grade Exercise 5, the idempotent WebhookService.
// It talks to a submission only the way Stripe and an operator would: signed raw
// deliveries through Restate's ingress (deliver.go), typed calls for the status and the
// replay, the fault proxy, and the fixture world's ledger of gateway effects.
package ex5
