package ex4

import (
	"context"
	"fmt"
	"time"

	"idempotency/fixtures/world"
	"idempotency/grader"
)

// Durable means it survived a restart: the shared scenarios defer these read-backs with
// env.AfterRestart, and the exclusive ones run them after their own process kill, so
// that a subscription kept in process memory never passes.

// expectTotals compares everything the gateways saw of s with the model: cents charged,
// cents refunded, emails delivered.
func expectTotals(env *grader.Env, s *subject, sent string) error {
	e := effectsOf(env, s)
	charged, refunded := e.charges.TotalAmount(), e.refunds.TotalAmount()
	if charged == s.charged && refunded == s.refunded && len(e.emails) == s.emails {
		return nil
	}
	all := append(append(append(world.Calls{}, e.charges...), e.refunds...), e.emails...)
	return grader.Fail(sent,
		fmt.Sprintf("for %s in all: %d cents charged, %d cents refunded, %s", s.key, s.charged, s.refunded, plural(s.emails, "email")),
		"%d cents charged, %d cents refunded, %s:\n%s", charged, refunded, plural(len(e.emails), "email"), indent(all.String()))
}

// expectPaid is expectTotals for the money only, for the criteria that do not judge
// emails.
func expectPaid(env *grader.Env, s *subject, sent string) error {
	e := effectsOf(env, s)
	charged, refunded := e.charges.TotalAmount(), e.refunds.TotalAmount()
	if charged == s.charged && refunded == s.refunded {
		return nil
	}
	return grader.Fail(sent, fmt.Sprintf("for %s in all: %d cents charged, %d cents refunded", s.key, s.charged, s.refunded),
		"%d cents charged, %d cents refunded:\n%s", charged, refunded, e.payments())
}

// readBack checks, after a restart, that GetSubscription still returns what s was, that
// a duplicate CreateSubscription (with another customer and plan) returns it as it is,
// and that the gateways saw nothing more of it.
func readBack(ctx context.Context, env *grader.Env, s *subject) error {
	if err := expectStored(ctx, env, s.key, s.sub, "after the restart"); err != nil {
		return withHint(err, "keep the subscription in Restate's state (restate.Set / restate.Get): a Go variable is gone when the process restarts")
	}
	// Another customer makes it another body; the plan is drawn whatever s's is, since
	// s may be the winner of a race and the evidence must not depend on which.
	other := newSubjectFor(env, randomDayPlan(env.Rand), world.NewCustomerID(env.Rand))
	req := other.request()
	sent := fmt.Sprintf("CreateSubscription %s again after the restart, with another body {customerId:%q planId:%q startDate:%q}",
		s.key, req.CustomerID, req.PlanID, req.StartDate)
	env.Step("%s", sent)
	got, err := createSub(ctx, env, s.key, req)
	if err != nil {
		return unexpected(env, nil, sent, "the stored subscription, unchanged: "+describe(s.sub), err)
	}
	if d := diffSubs(s.sub, got); d != "" {
		return grader.Fail(sent, "the stored subscription, unchanged: "+describe(s.sub), "%s: %s", describe(got), d).
			WithHint("CreateSubscription must find the stored subscription after a restart too: keep it in Restate's state")
	}
	if err := expectTotals(env, s, sent); err != nil {
		return withHint(err, "read the stored subscription first, from Restate's state, and return it without charging or emailing again")
	}
	oe := effectsFor(env, other.customer, other.email)
	if n := len(oe.charges) + len(oe.emails); n > 0 {
		return grader.Fail(sent, "nothing charged to or sent to "+other.customer+" (the subscription exists already)",
			"%d charge(s) and %d email(s):\n%s", len(oe.charges), len(oe.emails), indent(append(oe.charges, oe.emails...).String()))
	}
	return nil
}

// expectNotFound checks that key has no subscription: GetSubscription answers 404.
func expectNotFound(ctx context.Context, env *grader.Env, key, sent, why string) error {
	env.Step("GetSubscription %s", key)
	got, err := getSub(ctx, env, key)
	if grader.Code(err) != 404 {
		return unexpectedCode(sent+", then GetSubscription "+key, "404: "+why, got, err)
	}
	return nil
}

// cancelAgainAfterRestart cancels the cancelled s once more (on another date) after the
// restart: the same cancelled subscription, and nothing more at the gateways.
func cancelAgainAfterRestart(ctx context.Context, env *grader.Env, s *subject) error {
	d := laterDay(s)
	sent := describeCancel(s.key, d) + " after the restart, on the subscription cancelled on " + fmtDate(s.sub.EndDate)
	env.Step("%s", sent)
	got, err := cancelSub(ctx, env, s.key, fmtDate(d))
	if err != nil {
		return unexpected(env, nil, sent, "the cancelled subscription as it was: "+describe(s.sub), err)
	}
	if d := diffSubs(s.sub, got); d != "" {
		return grader.Fail(sent, "the cancelled subscription as it was: "+describe(s.sub), "%s: %s", describe(got), d).
			WithHint("keep the cancelled status in Restate's state, and return a cancelled subscription as it is")
	}
	return withHint(expectTotals(env, s, sent), "a cancelled subscription is returned as it is: no second refund and no second email, after a restart too")
}

// laterDay is a day for another cancel of the cancelled s: the day after its
// cancellation when that is still in its period, else the cancellation day (the grader
// never sends a date before an earlier change).
func laterDay(s *subject) time.Time {
	if d := s.sub.EndDate.AddDate(0, 0, 1); d.Before(s.bill.end) {
		return d
	}
	return s.sub.EndDate
}
