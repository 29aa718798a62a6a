package ex4

import (
	"fmt"
	"strings"
	"time"

	"idempotency/contract/ex4"
)

// diffSubs lists the fields in which got differs from want ("" when none).
func diffSubs(want, got ex4.Subscription) string {
	var d []string
	str := func(name, w, g string) {
		if w != g {
			d = append(d, fmt.Sprintf("%s %q, expected %q", name, g, w))
		}
	}
	tm := func(name string, w, g time.Time) {
		if !w.Equal(g) {
			d = append(d, fmt.Sprintf("%s %s, expected %s", name, g.Format(time.RFC3339Nano), w.Format(time.RFC3339Nano)))
		}
	}
	str("subscriptionId", want.SubscriptionID, got.SubscriptionID)
	str("customerId", want.CustomerID, got.CustomerID)
	str("planId", want.PlanID, got.PlanID)
	str("status", want.Status, got.Status)
	tm("startDate", want.StartDate, got.StartDate)
	tm("endDate", want.EndDate, got.EndDate)
	tm("createdAt", want.CreatedAt, got.CreatedAt)
	return strings.Join(d, ", ")
}

// checkCreated compares a new subscription with the request that made it.
func checkCreated(s *subject, got ex4.Subscription) string {
	var d []string
	if got.SubscriptionID != s.key {
		d = append(d, fmt.Sprintf("subscriptionId is %q, expected the object key %q", got.SubscriptionID, s.key))
	}
	if got.CustomerID != s.customer {
		d = append(d, fmt.Sprintf("customerId is %q, expected %q", got.CustomerID, s.customer))
	}
	if got.PlanID != s.plan.PlanID {
		d = append(d, fmt.Sprintf("planId is %q, expected %q", got.PlanID, s.plan.PlanID))
	}
	if got.Status != ex4.StatusActive {
		d = append(d, fmt.Sprintf("status is %q, expected %q", got.Status, ex4.StatusActive))
	}
	if !got.StartDate.Equal(s.start) {
		d = append(d, fmt.Sprintf("startDate is %s, expected %s (the request's startDate at midnight UTC)",
			got.StartDate.Format(time.RFC3339), s.start.Format(time.RFC3339)))
	}
	if got.CreatedAt.IsZero() {
		d = append(d, "createdAt is not set")
	}
	return strings.Join(d, "; ")
}
