package ex4

import (
	"idempotency/contract/ex4"
	"idempotency/grader"
)

// diffSubs lists the fields in which got differs from want ("" when none), in the
// grader's one diff style (grader.Diff).
func diffSubs(want, got ex4.Subscription) string {
	var d grader.Diff
	d.Str("subscriptionId", want.SubscriptionID, got.SubscriptionID)
	d.Str("customerId", want.CustomerID, got.CustomerID)
	d.Str("planId", want.PlanID, got.PlanID)
	d.Str("status", want.Status, got.Status)
	d.Time("startDate", want.StartDate, got.StartDate)
	d.Time("endDate", want.EndDate, got.EndDate)
	d.Time("createdAt", want.CreatedAt, got.CreatedAt)
	return d.String()
}

// checkCreated compares a new subscription with the request that made it.
func checkCreated(s *subject, got ex4.Subscription) string {
	var d grader.Diff
	if got.SubscriptionID != s.key {
		d.Note("subscriptionId %q, expected the object key %q", got.SubscriptionID, s.key)
	}
	d.Str("customerId", s.customer, got.CustomerID)
	d.Str("planId", s.plan.PlanID, got.PlanID)
	d.Str("status", ex4.StatusActive, got.Status)
	if !got.StartDate.Equal(s.start) {
		var start grader.Diff
		start.Time("startDate", s.start, got.StartDate)
		d.Note("%s (the request's startDate at midnight UTC)", start.String())
	}
	if got.CreatedAt.IsZero() {
		d.Note("createdAt is not set")
	}
	return d.String()
}
