package ex4

import (
	"time"

	"idempotency/contract/ex4"
	"idempotency/fixtures"
)

// billing is the grader's model of a subscription's current billing period: the plan
// it is on and the period [start, end) that plan was paid for. It follows the rules the
// README states, independently of any submission.
type billing struct {
	plan       fixtures.Plan
	start, end time.Time
}

func newBilling(plan fixtures.Plan, start time.Time) billing {
	return billing{plan: plan, start: start, end: periodEnd(start, plan.BillingCycle)}
}

// total and remaining count the period's days, and those from d (included) to its end.
func (b billing) total() int                { return days(b.start, b.end) }
func (b billing) remaining(d time.Time) int { return days(d, b.end) }

// cancelRefund is what cancelling on d refunds: the unused days of the current plan.
func (b billing) cancelRefund(d time.Time) int {
	return prorate(b.plan.Price, b.remaining(d), b.total())
}

// change is what moving to plan p on d costs (delta > 0, a charge) or gives back
// (delta < 0, a refund), and the billing afterwards.
func (b billing) change(p fixtures.Plan, d time.Time) (delta int, next billing) {
	if p.PlanID == b.plan.PlanID {
		return 0, b
	}
	if p.BillingCycle == b.plan.BillingCycle {
		diff := p.Price - b.plan.Price
		delta = prorate(abs(diff), b.remaining(d), b.total())
		if diff < 0 {
			delta = -delta
		}
		return delta, billing{plan: p, start: b.start, end: b.end}
	}
	return p.Price - b.cancelRefund(d), newBilling(p, d)
}

// periodEnd is the end of a period that starts on start: the same day of the month one
// month (monthly) or twelve months (yearly) later, or that month's last day when it is
// shorter.
func periodEnd(start time.Time, cycle string) time.Time {
	switch cycle {
	case ex4.CycleMonthly:
		return addMonths(start, 1)
	case ex4.CycleYearly:
		return addMonths(start, 12)
	}
	return time.Time{}
}

func addMonths(d time.Time, n int) time.Time {
	y, m, day := d.Date()
	first := time.Date(y, m+time.Month(n), 1, 0, 0, 0, 0, time.UTC)
	lastDay := first.AddDate(0, 1, -1).Day()
	return first.AddDate(0, 0, min(day, lastDay)-1)
}

// days counts calendar days from a to b (dates at midnight UTC).
func days(a, b time.Time) int { return int(b.Sub(a).Hours()) / 24 }

// prorate is amount * part / whole in cents, rounded half up.
func prorate(amount, part, whole int) int {
	return (2*amount*part + whole) / (2 * whole)
}

func abs(n int) int {
	if n < 0 {
		return -n
	}
	return n
}

func date(s string) time.Time {
	d, err := time.Parse(ex4.DateLayout, s)
	if err != nil {
		panic(err)
	}
	return d
}

func fmtDate(d time.Time) string { return d.Format(ex4.DateLayout) }
