package main

import (
	"time"

	"idempotency/contract"
	"idempotency/contract/ex4"

	restate "github.com/restatedev/sdk-go"
)

// SubscriptionService is a Restate virtual object; its key is the subscription ID.
// Read README.md in this folder first (it has the billing rules and a worked example),
// then work through the TODO steps in order and re-run `go run ./cmd/grade ex4` after
// each one.
//
// Every handler is a chain of steps, and Restate may run a handler again from the top
// (a crash, a transient gateway error, a killed process). Make each step idempotent on
// its own: effects (fixtures.Charge, fixtures.Refund, fixtures.SendEmailViaSMTP, and the
// lookups fixtures.GetCustomer / fixtures.GetPlan) go inside restate.Run, so that a retry
// replays their recorded result instead of doing them again; decisions read the stored
// state first.
type SubscriptionService struct{}

// The compiler checks that SubscriptionService keeps the contract the grader calls.
var _ ex4.SubscriptionService = SubscriptionService{}

// CreateSubscription validates customer and plan, charges the first period, stores the
// subscription and sends the welcome email.
//
// TODO step 1 (criterion "Creating subscription twice doesn't double-charge"):
//   - the subscription ID is the object key: restate.Key(ctx)
//   - read the stored record first (restate.Get); if there is one, return its
//     subscription unchanged, whatever the request says
//   - parse req.StartDate with time.Parse(ex4.DateLayout, ...); a bad date -> 400
//   - look up the customer (fixtures.GetCustomer) and the plan (fixtures.GetPlan), each
//     inside restate.Run; a permanent error (errors.Is(err, fixtures.ErrPermanent)) ->
//     return restate.ToTerminalError(err, restate.WithErrorCode(400)) from the Run
//   - charge plan.Price inside restate.Run:
//     fixtures.Charge(key, customer.ID, plan.Price, ex4.PeriodChargeDescription(id, 1))
//     with an idempotency key made from the subscription ID (id+"/period/1"); a declined
//     card (permanent error) -> terminal 402, and store nothing
//   - store what you need (the subscription, the plan, the charge ID and amount, the
//     current period: see periodEnd below) with restate.Set, status ex4.StatusActive;
//     take createdAt from restate.Run(... time.Now() ...), never from time.Now() directly
//
// TODO step 2 (criterion "All emails sent exactly once"):
//   - send the welcome email to customer.Email inside restate.Run
//
// TODO bonus: on a plan whose BillingCycle is ex4.CycleTest, schedule the first renewal:
// restate.ObjectSend(ctx, ex4.ServiceName, id, ex4.Renew).Send(ex4.RenewRequest{Period: 2}, restate.WithDelay(ex4.TestCycle))
func (SubscriptionService) CreateSubscription(ctx restate.ObjectContext, req ex4.SubscriptionRequest) (ex4.Subscription, error) {
	return ex4.Subscription{}, contract.NotImplemented("CreateSubscription")
}

// GetSubscription returns the stored subscription, or a terminal 404 when there is none.
//
// TODO step 3: restate.Get the record; when it is nil return
// restate.ToTerminalError(fmt.Errorf("subscription %s not found", restate.Key(ctx)), restate.WithErrorCode(404)).
func (SubscriptionService) GetSubscription(ctx restate.ObjectSharedContext) (ex4.Subscription, error) {
	return ex4.Subscription{}, contract.NotImplemented("GetSubscription")
}

// CancelSubscription refunds the unused part of the current period, marks the
// subscription cancelled and sends one cancellation email.
//
// TODO step 4 (criterion "Cancellation is idempotent"):
//   - unknown subscription -> terminal 404, and store nothing
//   - already cancelled -> return the stored subscription as it is: no error, no second
//     refund, no second email
//   - refund prorate(plan.Price, days(date, periodEnd), days(periodStart, periodEnd))
//     inside restate.Run (fixtures.Refund(key, chargeID, amount)); when the newest charge
//     has less left than that, refund the rest from the charge before it (README)
//   - set Status to ex4.StatusCancelled and EndDate to the cancel date, store, and send
//     the cancellation email inside restate.Run
//
// Plans on the test cycle (fast-test) are not prorated: cancelling refunds nothing.
func (SubscriptionService) CancelSubscription(ctx restate.ObjectContext, req ex4.CancelRequest) (ex4.Subscription, error) {
	return ex4.Subscription{}, contract.NotImplemented("CancelSubscription")
}

// UpdatePlan moves the subscription to another plan on req.Date and charges or refunds
// the prorated difference.
//
// TODO step 5 (criterion "Plan updates handle edge cases"), in this order:
//   - unknown subscription -> 404; not active -> terminal 409
//   - req.PlanID is the current plan -> return the subscription unchanged: no charge,
//     no refund, no email
//   - unknown plan -> terminal 400, nothing changes
//   - same billing cycle: prorate(|new price - old price|, days(date, periodEnd),
//     days(periodStart, periodEnd)), charged for an upgrade, refunded for a downgrade;
//     the period stays
//   - another billing cycle: a new period starts on req.Date; the amount is the new
//     plan's price less prorate(old price, ...) of the unused old period: charge it when
//     positive, refund it when negative
//   - each payment inside restate.Run, with an idempotency key that is new for each
//     change (count the changes in your state); then store the new plan and send one
//     plan change email inside restate.Run
func (SubscriptionService) UpdatePlan(ctx restate.ObjectContext, req ex4.UpdatePlanRequest) (ex4.Subscription, error) {
	return ex4.Subscription{}, contract.NotImplemented("UpdatePlan")
}

// Renew (bonus) charges one more period of a subscription on the test cycle and
// schedules the next renewal.
//
// TODO bonus (criterion "Automatic renewal on the fast test cycle"):
//   - no subscription, or not active -> return nil: no charge, and no next renewal (this
//     is how cancelling stops the renewals)
//   - req.Period charged already -> return nil (a duplicate or a retry)
//   - charge plan.Price inside restate.Run with ex4.PeriodChargeDescription(id, req.Period)
//     and an idempotency key made from id and the period; store the period; schedule
//     Renew{Period: req.Period + 1} after ex4.TestCycle
func (SubscriptionService) Renew(ctx restate.ObjectContext, req ex4.RenewRequest) error {
	return contract.NotImplemented("Renew")
}

// The billing rules of the README, ready to use. Dates are calendar days at midnight UTC,
// as time.Parse(ex4.DateLayout, s) returns them.

// periodEnd is where a billing period that starts on start ends: the same day of the
// month one month (monthly) or twelve months (yearly) later, or that month's last day
// when it is shorter. The test cycle has no end date.
func periodEnd(start time.Time, cycle string) time.Time {
	months := map[string]int{ex4.CycleMonthly: 1, ex4.CycleYearly: 12}[cycle]
	if months == 0 {
		return time.Time{}
	}
	first := time.Date(start.Year(), start.Month()+time.Month(months), 1, 0, 0, 0, 0, time.UTC)
	last := first.AddDate(0, 1, -1).Day()
	return first.AddDate(0, 0, min(start.Day(), last)-1)
}

// days counts the days from a to b: days(d, periodEnd) are the days left in the
// period on day d, d included.
func days(a, b time.Time) int { return int(b.Sub(a) / (24 * time.Hour)) }

// prorate is amount × part / whole in cents, rounded half up.
func prorate(amount, part, whole int) int { return (2*amount*part + whole) / (2 * whole) }
