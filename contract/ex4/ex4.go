// Package ex4 is the contract of Exercise 4, the SubscriptionService: the names the
// grader calls and the JSON shapes it sends and expects. Field names and JSON tags are
// the exercise text's; CancelRequest, UpdatePlanRequest, RenewRequest and the charge
// description of a billing period are what the text leaves open, settled here.
package ex4

import (
	"fmt"
	"strconv"
	"strings"
	"time"

	"idempotency/fixtures"

	restate "github.com/restatedev/sdk-go"
)

// Names of the virtual object and its handlers, as registered with Restate.
const (
	ServiceName        = "SubscriptionService"
	CreateSubscription = "CreateSubscription"
	CancelSubscription = "CancelSubscription"
	UpdatePlan         = "UpdatePlan"
	GetSubscription    = "GetSubscription"
	Renew              = "Renew" // bonus: the delayed self-call that renews a fast-test subscription
)

// Subscription statuses. No handler of the exercise reaches "expired".
const (
	StatusActive    = "active"
	StatusCancelled = "cancelled"
	StatusExpired   = "expired"
)

// Billing cycles of the plan catalogue (fixtures.GetPlan).
const (
	CycleMonthly = "monthly"
	CycleYearly  = "yearly"
	CycleTest    = "test"
)

// TestCycle is the length of one billing period of a plan on the "test" cycle
// (fast-test): a quarter of a second of wall time, so that renewals can be watched in
// about a second.
const TestCycle = 250 * time.Millisecond

// DateLayout is the format of every date in a request: a calendar day in UTC.
const DateLayout = "2006-01-02"

// Plan is a plan catalogue entry, as fixtures.GetPlan returns it. Price is in cents.
type Plan = fixtures.Plan

// SubscriptionRequest is CreateSubscription's input. StartDate is "YYYY-MM-DD".
type SubscriptionRequest struct {
	CustomerID string `json:"customerId"`
	PlanID     string `json:"planId"`
	StartDate  string `json:"startDate"`
}

// Subscription is what every handler returns and GetSubscription reads. StartDate is
// the request's start date at midnight UTC; EndDate is the cancellation date once
// cancelled (zero while active); CreatedAt is when the subscription was created.
type Subscription struct {
	SubscriptionID string    `json:"subscriptionId"`
	CustomerID     string    `json:"customerId"`
	PlanID         string    `json:"planId"`
	Status         string    `json:"status"` // "active", "cancelled", "expired"
	StartDate      time.Time `json:"startDate"`
	EndDate        time.Time `json:"endDate,omitempty"`
	CreatedAt      time.Time `json:"createdAt"`
}

// CancelRequest is CancelSubscription's input: the day the cancellation takes effect,
// "YYYY-MM-DD". It decides the prorated refund.
type CancelRequest struct {
	Date string `json:"date"`
}

// UpdatePlanRequest is UpdatePlan's input: the new plan and the day the change takes
// effect, "YYYY-MM-DD".
type UpdatePlanRequest struct {
	PlanID string `json:"planId"`
	Date   string `json:"date"`
}

// RenewRequest is the bonus Renew's input: the billing period to charge. The first
// period, charged by CreateSubscription, is 1; the first renewal is period 2.
type RenewRequest struct {
	Period int `json:"period"`
}

// PeriodChargeDescription is the description of the charge that pays for one billing
// period: period 1 when the subscription is created, 2, 3, ... for renewals (bonus).
// The grader reads it to tell two charges of one period from charges of two periods.
func PeriodChargeDescription(subscriptionID string, period int) string {
	return fmt.Sprintf("subscription %s period %d", subscriptionID, period)
}

// PeriodOf reads the period number back from a PeriodChargeDescription of
// subscriptionID; ok is false for any other description.
func PeriodOf(description, subscriptionID string) (period int, ok bool) {
	rest, found := strings.CutPrefix(description, "subscription "+subscriptionID+" period ")
	if !found {
		return 0, false
	}
	n, err := strconv.Atoi(rest)
	if err != nil || n < 1 {
		return 0, false
	}
	return n, true
}

// SubscriptionService is what both the stub (exercises/ex4) and the reference solution
// (solutions/ex4) implement; each checks it at compile time.
type SubscriptionService interface {
	CreateSubscription(ctx restate.ObjectContext, req SubscriptionRequest) (Subscription, error)
	CancelSubscription(ctx restate.ObjectContext, req CancelRequest) (Subscription, error)
	UpdatePlan(ctx restate.ObjectContext, req UpdatePlanRequest) (Subscription, error)
	GetSubscription(ctx restate.ObjectSharedContext) (Subscription, error)
	Renew(ctx restate.ObjectContext, req RenewRequest) error
}
