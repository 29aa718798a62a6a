package ex4

import (
	"testing"
	"time"

	"idempotency/contract/ex4"

	"github.com/stretchr/testify/assert"
)

func TestDiffSubs(t *testing.T) {
	want := ex4.Subscription{SubscriptionID: "sub-1", CustomerID: "cus_a", PlanID: "basic-monthly", Status: ex4.StatusCancelled,
		StartDate: date("2026-01-15"), EndDate: date("2026-02-03"), CreatedAt: time.Date(2026, 12, 2, 10, 0, 0, 5, time.UTC)}
	assert.Empty(t, diffSubs(want, want))
	got := want
	got.Status, got.EndDate = ex4.StatusActive, time.Time{}
	assert.Equal(t, `status "active", expected "cancelled"; endDate not set, expected 2026-02-03T00:00:00Z`, diffSubs(want, got))
}

func TestCheckCreated(t *testing.T) {
	s := &subject{key: "sub-1", customer: "cus_a", plan: mustPlan(basicMonthly), start: date("2026-01-15")}
	ok := ex4.Subscription{SubscriptionID: "sub-1", CustomerID: "cus_a", PlanID: basicMonthly, Status: ex4.StatusActive,
		StartDate: s.start, CreatedAt: time.Now()}
	assert.Empty(t, checkCreated(s, ok))
	bad := ok
	bad.SubscriptionID, bad.StartDate, bad.CreatedAt = "", s.start.Add(time.Hour), time.Time{}
	assert.Equal(t, `subscriptionId "", expected the object key "sub-1"; `+
		`startDate 2026-01-15T01:00:00Z, expected 2026-01-15T00:00:00Z (the request's startDate at midnight UTC); createdAt is not set`,
		checkCreated(s, bad))
}
