// Package ex2 holds the scenarios that grade Exercise 2, the EmailService with
// deduplication. It judges a submission only through Restate's ingress, the fault proxy
// and what the fixture world's SMTP gateway delivered.
package ex2
