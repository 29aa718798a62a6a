package main

import (
	"errors"
	"fmt"
	"time"

	"idempotency/contract/ex4"
	"idempotency/fixtures"

	restate "github.com/restatedev/sdk-go"
)

// SubscriptionService is the reference solution of Exercise 4: a virtual object keyed
// by subscription ID. Every effect (charge, refund, email) runs inside restate.Run, so a
// retry replays its result instead of repeating it; the payment calls also carry an
// idempotency key made from the subscription ID, which covers the one window Run cannot:
// a crash after the gateway acted but before Restate recorded the result.
type SubscriptionService struct{}

var _ ex4.SubscriptionService = SubscriptionService{}

const stateKey = "subscription"

// record is what the object stores: the public subscription and what billing needs.
type record struct {
	Subscription ex4.Subscription `json:"subscription"`
	Plan         ex4.Plan         `json:"plan"`
	Email        string           `json:"email"`
	// PeriodStart and PeriodEnd bound the current billing period [start, end) of a
	// monthly or yearly plan. A plan change to another cycle starts a new period.
	PeriodStart time.Time `json:"periodStart"`
	PeriodEnd   time.Time `json:"periodEnd"`
	// Period numbers the billing periods charged so far (renewals of the test cycle).
	Period int `json:"period"`
	// Changes counts plan changes; it names their idempotency keys.
	Changes int       `json:"changes"`
	Charges []payment `json:"charges"`
}

// payment is one charge and how much of it has been refunded.
type payment struct {
	ID       string `json:"id"`
	Amount   int    `json:"amount"`
	Refunded int    `json:"refunded"`
}

// CreateSubscription validates customer and plan, charges the first period, stores
// the subscription and sends the welcome email, each step once. A subscription that
// exists already is returned as it is, whatever the request says.
func (SubscriptionService) CreateSubscription(ctx restate.ObjectContext, req ex4.SubscriptionRequest) (ex4.Subscription, error) {
	rec, err := load(ctx)
	if err != nil {
		return ex4.Subscription{}, err
	}
	if rec != nil {
		return rec.Subscription, nil
	}
	start, err := parseDate("startDate", req.StartDate)
	if err != nil {
		return ex4.Subscription{}, err
	}
	customer, err := restate.Run(ctx, func(restate.RunContext) (fixtures.Customer, error) {
		c, err := fixtures.GetCustomer(req.CustomerID)
		return c, permanentAs(400, err)
	}, restate.WithName("get customer"))
	if err != nil {
		return ex4.Subscription{}, err
	}
	plan, err := lookupPlan(ctx, req.PlanID)
	if err != nil {
		return ex4.Subscription{}, err
	}
	createdAt, err := restate.Run(ctx, func(restate.RunContext) (time.Time, error) {
		return time.Now().UTC(), nil
	}, restate.WithName("created at"))
	if err != nil {
		return ex4.Subscription{}, err
	}

	id := restate.Key(ctx)
	chargeID, err := charge(ctx, id+"/period/1", customer.ID, plan.Price, ex4.PeriodChargeDescription(id, 1))
	if err != nil {
		return ex4.Subscription{}, err
	}
	rec = &record{
		Subscription: ex4.Subscription{
			SubscriptionID: id,
			CustomerID:     customer.ID,
			PlanID:         plan.PlanID,
			Status:         ex4.StatusActive,
			StartDate:      start,
			CreatedAt:      createdAt,
		},
		Plan:        plan,
		Email:       customer.Email,
		PeriodStart: start,
		PeriodEnd:   periodEnd(start, plan.BillingCycle),
		Period:      1,
		Charges:     []payment{{ID: chargeID, Amount: plan.Price}},
	}
	restate.Set(ctx, stateKey, rec)

	if err := sendEmail(ctx, rec.Email, "Welcome to "+plan.Name,
		fmt.Sprintf("Your subscription %s to %s starts on %s.", id, plan.Name, req.StartDate)); err != nil {
		return ex4.Subscription{}, err
	}
	if plan.BillingCycle == ex4.CycleTest {
		scheduleRenewal(ctx, id, 2)
	}
	return rec.Subscription, nil
}

// GetSubscription returns the stored subscription or 404.
func (SubscriptionService) GetSubscription(ctx restate.ObjectSharedContext) (ex4.Subscription, error) {
	rec, err := restate.Get[*record](ctx, stateKey)
	if err != nil {
		return ex4.Subscription{}, err
	}
	if rec == nil {
		return ex4.Subscription{}, notFound(restate.Key(ctx))
	}
	return rec.Subscription, nil
}

// CancelSubscription refunds the unused part of the current period, marks the
// subscription cancelled and sends one cancellation email. Cancelling again returns
// the cancelled subscription and does nothing more.
func (SubscriptionService) CancelSubscription(ctx restate.ObjectContext, req ex4.CancelRequest) (ex4.Subscription, error) {
	rec, err := load(ctx)
	if err != nil {
		return ex4.Subscription{}, err
	}
	if rec == nil {
		return ex4.Subscription{}, notFound(restate.Key(ctx))
	}
	if rec.Subscription.Status == ex4.StatusCancelled {
		return rec.Subscription, nil
	}
	date, err := parseDate("date", req.Date)
	if err != nil {
		return ex4.Subscription{}, err
	}
	if rec.Plan.BillingCycle != ex4.CycleTest {
		if err := rec.inPeriod(date); err != nil {
			return ex4.Subscription{}, err
		}
		// Test-cycle periods last ex4.TestCycle: they are not prorated.
		refund := prorate(rec.Plan.Price, days(date, rec.PeriodEnd), days(rec.PeriodStart, rec.PeriodEnd))
		if err := refundNewestFirst(ctx, rec, refund, rec.Subscription.SubscriptionID+"/cancel"); err != nil {
			return ex4.Subscription{}, err
		}
	}
	rec.Subscription.Status = ex4.StatusCancelled
	rec.Subscription.EndDate = date
	restate.Set(ctx, stateKey, rec)

	if err := sendEmail(ctx, rec.Email, "Your subscription is cancelled",
		fmt.Sprintf("Your subscription %s to %s ends on %s.", rec.Subscription.SubscriptionID, rec.Plan.Name, req.Date)); err != nil {
		return ex4.Subscription{}, err
	}
	return rec.Subscription, nil
}

// UpdatePlan moves an active subscription to another plan on req.Date and charges or
// refunds the prorated difference. The same plan is a no-op.
func (SubscriptionService) UpdatePlan(ctx restate.ObjectContext, req ex4.UpdatePlanRequest) (ex4.Subscription, error) {
	rec, err := load(ctx)
	if err != nil {
		return ex4.Subscription{}, err
	}
	if rec == nil {
		return ex4.Subscription{}, notFound(restate.Key(ctx))
	}
	if rec.Subscription.Status != ex4.StatusActive {
		return ex4.Subscription{}, restate.ToTerminalError(
			fmt.Errorf("subscription %s is %s: only active subscriptions change plans", rec.Subscription.SubscriptionID, rec.Subscription.Status),
			restate.WithErrorCode(409))
	}
	if req.PlanID == rec.Plan.PlanID {
		return rec.Subscription, nil
	}
	date, err := parseDate("date", req.Date)
	if err != nil {
		return ex4.Subscription{}, err
	}
	plan, err := lookupPlan(ctx, req.PlanID)
	if err != nil {
		return ex4.Subscription{}, err
	}
	if plan.BillingCycle == ex4.CycleTest || rec.Plan.BillingCycle == ex4.CycleTest {
		return ex4.Subscription{}, badRequest(fmt.Errorf("plans on the test cycle cannot be changed to or from (%s -> %s)", rec.Plan.PlanID, plan.PlanID))
	}
	if err := rec.inPeriod(date); err != nil {
		return ex4.Subscription{}, err
	}

	id := rec.Subscription.SubscriptionID
	rec.Changes++
	key := fmt.Sprintf("%s/change/%d", id, rec.Changes)
	remaining, total := days(date, rec.PeriodEnd), days(rec.PeriodStart, rec.PeriodEnd)
	var delta int // > 0: charge, < 0: refund
	if plan.BillingCycle == rec.Plan.BillingCycle {
		// Same cycle: the period stays, the difference is prorated over what is left.
		diff := plan.Price - rec.Plan.Price
		delta = prorate(abs(diff), remaining, total)
		if diff < 0 {
			delta = -delta
		}
	} else {
		// Another cycle: a new period starts today at the new plan's full price, less
		// the unused part of the old one.
		delta = plan.Price - prorate(rec.Plan.Price, remaining, total)
		rec.PeriodStart, rec.PeriodEnd = date, periodEnd(date, plan.BillingCycle)
	}
	switch {
	case delta > 0:
		chargeID, err := charge(ctx, key, rec.Subscription.CustomerID, delta,
			fmt.Sprintf("subscription %s change %d to %s on %s", id, rec.Changes, plan.PlanID, req.Date))
		if err != nil {
			return ex4.Subscription{}, err
		}
		rec.Charges = append(rec.Charges, payment{ID: chargeID, Amount: delta})
	case delta < 0:
		if err := refundNewestFirst(ctx, rec, -delta, key); err != nil {
			return ex4.Subscription{}, err
		}
	}
	old := rec.Plan
	rec.Plan = plan
	rec.Subscription.PlanID = plan.PlanID
	restate.Set(ctx, stateKey, rec)

	if err := sendEmail(ctx, rec.Email, "Your plan is now "+plan.Name,
		fmt.Sprintf("Subscription %s moved from %s to %s on %s.", id, old.Name, plan.Name, req.Date)); err != nil {
		return ex4.Subscription{}, err
	}
	return rec.Subscription, nil
}

// Renew charges one more period of a fast-test subscription and schedules the next.
// It does nothing for a cancelled subscription, which is how cancelling stops the
// renewals, and nothing for a period already charged, so a duplicate is harmless.
func (SubscriptionService) Renew(ctx restate.ObjectContext, req ex4.RenewRequest) error {
	rec, err := load(ctx)
	if err != nil {
		return err
	}
	if rec == nil || rec.Subscription.Status != ex4.StatusActive || rec.Plan.BillingCycle != ex4.CycleTest {
		return nil
	}
	if req.Period != rec.Period+1 {
		return nil // charged already, or not due yet
	}
	id := rec.Subscription.SubscriptionID
	chargeID, err := charge(ctx, fmt.Sprintf("%s/period/%d", id, req.Period), rec.Subscription.CustomerID,
		rec.Plan.Price, ex4.PeriodChargeDescription(id, req.Period))
	if err != nil {
		return err
	}
	rec.Period = req.Period
	rec.Charges = append(rec.Charges, payment{ID: chargeID, Amount: rec.Plan.Price})
	restate.Set(ctx, stateKey, rec)
	scheduleRenewal(ctx, id, req.Period+1)
	return nil
}

func scheduleRenewal(ctx restate.ObjectContext, id string, period int) {
	restate.ObjectSend(ctx, ex4.ServiceName, id, ex4.Renew).
		Send(ex4.RenewRequest{Period: period}, restate.WithDelay(ex4.TestCycle))
}

func load(ctx restate.ObjectContext) (*record, error) {
	return restate.Get[*record](ctx, stateKey)
}

func lookupPlan(ctx restate.ObjectContext, planID string) (ex4.Plan, error) {
	return restate.Run(ctx, func(restate.RunContext) (ex4.Plan, error) {
		p, err := fixtures.GetPlan(planID)
		return p, permanentAs(400, err)
	}, restate.WithName("get plan"))
}

// charge takes amount cents, once: inside Run, with an idempotency key.
func charge(ctx restate.ObjectContext, key, customerID string, amount int, description string) (string, error) {
	return restate.Run(ctx, func(restate.RunContext) (string, error) {
		id, err := fixtures.Charge(key, customerID, amount, description)
		return id, permanentAs(402, err)
	}, restate.WithName("charge "+key))
}

// refundNewestFirst refunds amount cents from the subscription's charges, newest
// first, splitting it when one charge has too little left.
func refundNewestFirst(ctx restate.ObjectContext, rec *record, amount int, key string) error {
	for i := len(rec.Charges) - 1; i >= 0 && amount > 0; i-- {
		c := &rec.Charges[i]
		part := min(c.Amount-c.Refunded, amount)
		if part <= 0 {
			continue
		}
		refundKey := key + "/" + c.ID
		if _, err := restate.Run(ctx, func(restate.RunContext) (string, error) {
			id, err := fixtures.Refund(refundKey, c.ID, part)
			return id, permanentAs(500, err)
		}, restate.WithName("refund "+refundKey)); err != nil {
			return err
		}
		c.Refunded += part
		amount -= part
	}
	if amount > 0 {
		return restate.TerminalErrorf("nothing left to refund %d cents from", amount)
	}
	return nil
}

// sendEmail sends one email inside Run. A permanently refused message is given up
// (the subscription stands without it); a transient failure is retried by Restate.
func sendEmail(ctx restate.ObjectContext, to, subject, body string) error {
	_, err := restate.Run(ctx, func(restate.RunContext) (string, error) {
		id, err := fixtures.SendEmailViaSMTP(to, subject, body)
		if errors.Is(err, fixtures.ErrPermanent) {
			return "", nil
		}
		return id, err
	}, restate.WithName("email "+subject))
	return err
}

// permanentAs turns a gateway's permanent error into a terminal error with code, so
// Restate stops retrying what no retry can fix; transient errors stay retryable.
func permanentAs(code restate.Code, err error) error {
	if errors.Is(err, fixtures.ErrPermanent) {
		return restate.ToTerminalError(err, restate.WithErrorCode(code))
	}
	return err
}

// inPeriod accepts dates of the current billing period.
func (r *record) inPeriod(date time.Time) error {
	if date.Before(r.PeriodStart) || !date.Before(r.PeriodEnd) {
		return badRequest(fmt.Errorf("date %s is outside the current billing period %s to %s",
			date.Format(ex4.DateLayout), r.PeriodStart.Format(ex4.DateLayout), r.PeriodEnd.Format(ex4.DateLayout)))
	}
	return nil
}

// periodEnd is where a period that starts on start ends: the same day one month or
// one year later, or the month's last day when that month is shorter. Test-cycle
// periods are wall time and have no end date.
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
	first := time.Date(d.Year(), d.Month()+time.Month(n), 1, 0, 0, 0, 0, time.UTC)
	last := first.AddDate(0, 1, -1).Day()
	return first.AddDate(0, 0, min(d.Day(), last)-1)
}

// days counts the days from a to b.
func days(a, b time.Time) int { return int(b.Sub(a) / (24 * time.Hour)) }

// prorate is amount * part / whole, rounded half up to the cent.
func prorate(amount, part, whole int) int {
	return (2*amount*part + whole) / (2 * whole)
}

func abs(n int) int {
	if n < 0 {
		return -n
	}
	return n
}

func parseDate(field, s string) (time.Time, error) {
	d, err := time.Parse(ex4.DateLayout, s)
	if err != nil {
		return time.Time{}, badRequest(fmt.Errorf("%s %q is not a date (YYYY-MM-DD)", field, s))
	}
	return d, nil
}

func badRequest(err error) error {
	return restate.ToTerminalError(err, restate.WithErrorCode(400))
}

func notFound(id string) error {
	return restate.ToTerminalError(fmt.Errorf("subscription %s not found", id), restate.WithErrorCode(404))
}
