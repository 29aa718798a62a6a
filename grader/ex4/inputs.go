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
	// charged, refunded and emails are what the gateways must have seen of the
	// subscription in all so far: cents charged, cents refunded, messages delivered.
	charged, refunded, emails int
	// lastChange is the day of the latest plan change.
	lastChange time.Time
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

// needs is a Scenario.Needs of SubscriptionService handlers.
func needs(handlers ...string) map[string][]string {
	return map[string][]string{ex4.ServiceName: handlers}
}

// lastDay is the last day of b's period: a change or cancel on it is one day's worth.
func (b billing) lastDay() time.Time { return b.end.AddDate(0, 0, -1) }

// roundsUp reports whether prorate(amount, part, whole) rounds a fraction of at least
// half a cent up: the inputs where rounding down, or truncating, gives another amount.
func roundsUp(amount, part, whole int) bool { return 2*(amount*part%whole) >= whole }

// dayRoundingUp draws a day of [from, from+n days) on which prorating amount over b's
// period rounds up, so that a truncating proration shows; any day when none does.
func dayRoundingUp(r *rand.Rand, b billing, amount int, from time.Time, n int) time.Time {
	var ok []time.Time
	for i := range n {
		d := from.AddDate(0, 0, i)
		if roundsUp(amount, b.remaining(d), b.total()) {
			ok = append(ok, d)
		}
	}
	if len(ok) == 0 {
		return dayIn(r, from, n)
	}
	return ok[r.IntN(len(ok))]
}

// halfCentSubject draws a monthly subscription whose period has 30 days and a cancel
// day on which the refund is exactly half a cent above an even number of cents: the
// edge of "rounded half up", where truncating and rounding half to even (math.RoundToEven,
// fmt's %.0f) both give one cent less. 999 × u / 30 is 166.5 for u = 5 and 832.5 for
// u = 25 (for u = 15 it is 499.5, odd: half to even rounds it up too).
func halfCentSubject(env *grader.Env) (s *subject, cancelOn time.Time) {
	unused := []int{5, 25}[env.Rand.IntN(2)]
	s = thirtyDaySubject(env, basicMonthly)
	return s, s.bill.end.AddDate(0, 0, -unused)
}

// thirtyDaySubject draws a monthly subscription that starts in April, June, September or
// November: its first period has 30 days.
func thirtyDaySubject(env *grader.Env, planID string) *subject {
	s := newSubject(env, planID)
	month := []time.Month{time.April, time.June, time.September, time.November}[env.Rand.IntN(4)]
	s.start = time.Date(s.start.Year(), month, s.start.Day(), 0, 0, 0, 0, time.UTC)
	s.bill = newBilling(s.plan, s.start)
	return s
}

// refundEdgeDays are the days of refundEdges on a 30-day basic-monthly period that
// starts on start: a second upgrade with 3k+2 unused days (k from 1 to 9), a downgrade
// the next day, a cancel with 2 unused days. Then the cancel's refund (999 × 2/30 → 67)
// is exactly one cent more than what the second upgrade has left after the downgrade
// (2000 × (3k+2)/30 less 2000 × (3k+1)/30, each rounded half up: 66), whatever k is
// (TestRefundEdgeDays).
func refundEdgeDays(start time.Time, k int) (upgrade, downgrade, cancel time.Time) {
	end := periodEnd(start, ex4.CycleMonthly)
	return end.AddDate(0, 0, -(3*k + 2)), end.AddDate(0, 0, -(3*k + 1)), end.AddDate(0, 0, -2)
}

// clampedDay draws a day of the first 150 days of b's period (on a yearly plan) from
// which a monthly period ends on a shorter month's last day (Jan 31 -> Feb 28): the
// edge of the period rule.
func clampedDay(r *rand.Rand, b billing) time.Time {
	var ok []time.Time
	for i := 1; i < 150; i++ {
		d := b.start.AddDate(0, 0, i)
		if periodEnd(d, ex4.CycleMonthly).Day() != d.Day() {
			ok = append(ok, d)
		}
	}
	return ok[r.IntN(len(ok))]
}

// badDate is a start date that is not YYYY-MM-DD: the day first, as people write it.
func badDate(r *rand.Rand) string {
	return fmt.Sprintf("%02d/%02d/%d", 1+r.IntN(28), 1+r.IntN(12), 2026+r.IntN(3))
}
