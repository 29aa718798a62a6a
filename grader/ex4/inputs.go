package ex4

import (
	"fmt"
	"math/rand/v2"
	"time"

	"idempotency/contract/ex4"
	"idempotency/fixtures"
	"idempotency/fixtures/world"
	"idempotency/grader"
)

// Plans of the catalogue, by role.
const (
	basicMonthly = "basic-monthly"
	proMonthly   = "pro-monthly"
	basicYearly  = "basic-yearly"
	proYearly    = "pro-yearly"
	fastTest     = "fast-test"
)

// dayPlans are the plans billed by calendar periods.
var dayPlans = []string{basicMonthly, proMonthly, basicYearly, proYearly}

// subject is one subscription a scenario works on: its inputs, and the grader's model
// of its billing.
type subject struct {
	key      string
	customer string
	email    string // where the customer's emails must go
	plan     fixtures.Plan
	start    time.Time
	bill     billing
	sub      ex4.Subscription // as CreateSubscription returned it
}

// newSubject draws a new subscription on planID for a new customer: a new key, and a
// start date on day 1 to 28 of a month, so that every period ends on the same day of a
// later month.
func newSubject(env *grader.Env, planID string) *subject {
	s := newSubjectFor(env, planID, world.NewCustomerID(env.Rand))
	s.key = env.NewKey(ex4.ServiceName, "sub")
	return s
}

// newSubjectFor draws the inputs of a subscription for customer, without a key.
func newSubjectFor(env *grader.Env, planID, customer string) *subject {
	p := mustPlan(planID)
	start := time.Date(2026+env.Rand.IntN(3), time.Month(1+env.Rand.IntN(12)), 1+env.Rand.IntN(28), 0, 0, 0, 0, time.UTC)
	c, _ := world.LookupCustomer(customer)
	return &subject{
		customer: customer,
		email:    c.Email,
		plan:     p,
		start:    start,
		bill:     newBilling(p, start),
	}
}

func (s *subject) request() ex4.SubscriptionRequest {
	return ex4.SubscriptionRequest{CustomerID: s.customer, PlanID: s.plan.PlanID, StartDate: fmtDate(s.start)}
}

// describeReq prints what CreateSubscription was sent.
func (s *subject) describeReq() string {
	return fmt.Sprintf("CreateSubscription %s {customerId:%q planId:%q startDate:%q}", s.key, s.customer, s.plan.PlanID, fmtDate(s.start))
}

// dayIn draws a day in [from, from+n days).
func dayIn(r *rand.Rand, from time.Time, n int) time.Time {
	return from.AddDate(0, 0, r.IntN(n))
}

// dayInPeriod draws a day of the current period, leaving out its last `spare` days.
func dayInPeriod(r *rand.Rand, b billing, spare int) time.Time {
	return dayIn(r, b.start, b.total()-spare)
}

func randomDayPlan(r *rand.Rand) string { return dayPlans[r.IntN(len(dayPlans))] }

func mustPlan(id string) fixtures.Plan {
	p, ok := world.LookupPlan(id)
	if !ok {
		panic("plan " + id + " is not in the catalogue")
	}
	return p
}

// unknownPlanID is a plan the catalogue does not have.
func unknownPlanID(r *rand.Rand) string { return fmt.Sprintf("platinum-%04x", r.IntN(1<<16)) }
