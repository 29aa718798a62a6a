package ex4

import (
	"context"
	"fmt"
	"time"

	"idempotency/contract/ex4"
	"idempotency/fixtures/world"
	"idempotency/grader"
)

const concurrentCreates = 5

func createOnce() grader.Scenario {
	return grader.Scenario{
		ID:     "create-once",
		Title:  "Creating subscription twice doesn't double-charge",
		Points: 20,
		Needs:  needs(ex4.CreateSubscription, ex4.GetSubscription),
		Hint: "read the stored subscription first and return it unchanged when there is one; charge inside restate.Run " +
			"(with an idempotency key made from the subscription ID), so that a retry after a failure later in the handler " +
			"replays the charge instead of charging again; unknown customer or plan -> terminal 400 before any charge (TODO step 1)",
		// Generous: it shares the machine with the other scenarios, and a batch with other gradings.
		Timeout: 60 * time.Second,
		Run:     runCreateOnce,
	}
}

func runCreateOnce(ctx context.Context, env *grader.Env) error {
	made, err := sequentialCreates(ctx, env)
	if err != nil {
		return err
	}
	s, err := concurrentCreateCalls(ctx, env)
	if err != nil {
		return err
	}
	made = append(made, s)
	if s, err = createWithFailingWelcome(ctx, env); err != nil {
		return err
	}
	made = append(made, s)
	if s, err = createCrashedAfterCharge(ctx, env); err != nil {
		return err
	}
	made = append(made, s)
	refused, err := createInvalid(ctx, env)
	if err != nil {
		return err
	}
	env.AfterRestart("the subscriptions created above, and the refused ones", func(ctx context.Context) error {
		for _, s := range made {
			if err := readBack(ctx, env, s); err != nil {
				return err
			}
		}
		for _, key := range refused {
			if err := expectNotFound(ctx, env, key, "a refused CreateSubscription "+key+", then a restart", "a refused subscription is never stored"); err != nil {
				return err
			}
		}
		return nil
	})
	return nil
}

// expectOneCharge checks that s's customer was charged once, the plan's price, and got
// one welcome email.
func expectOneCharge(env *grader.Env, s *subject, sent string) error {
	s.charged, s.emails = s.plan.Price, 1
	e := effectsOf(env, s)
	expected := fmt.Sprintf("exactly 1 charge of %d cents (%s) to %s", s.plan.Price, s.plan.PlanID, s.customer)
	if err := expectMoney(sent, expected, e, s.plan.Price, 0); err != nil {
		return err
	}
	return expectEmails(sent, "one welcome email", e.emails, 1, s.email)
}

// sequentialCreates creates two subscriptions, then repeats the older one's create with
// the same body and with another, and the newer one's: each was charged and welcomed
// once.
func sequentialCreates(ctx context.Context, env *grader.Env) ([]*subject, error) {
	older, newer := newSubject(env, randomDayPlan(env.Rand)), newSubject(env, randomDayPlan(env.Rand))
	for _, s := range []*subject{older, newer} {
		if err := createSubject(ctx, env, s); err != nil {
			return nil, err
		}
		if err := expectOneCharge(env, s, s.describeReq()); err != nil {
			return nil, err
		}
	}
	for _, s := range []*subject{older, newer} {
		if err := repeatCreate(ctx, env, s); err != nil {
			return nil, err
		}
	}
	return []*subject{older, newer}, nil
}

// repeatCreate sends s's create again with the same body and with another.
func repeatCreate(ctx context.Context, env *grader.Env, s *subject) error {
	sent := "the same " + s.describeReq() + " a second time"
	env.Step("%s", sent)
	again, err := createSub(ctx, env, s.key, s.request())
	if err != nil {
		return unexpected(env, nil, sent, "the first subscription again", err)
	}
	if d := diffSubs(s.sub, again); d != "" {
		return grader.Fail(sent, "the first subscription, unchanged: "+describe(s.sub), "a different subscription: %s", d)
	}

	other := newSubjectFor(env, otherPlan(env, s.plan.PlanID), world.NewCustomerID(env.Rand))
	otherReq := other.request()
	sent = fmt.Sprintf("CreateSubscription %s again with another body {customerId:%q planId:%q startDate:%q}",
		s.key, otherReq.CustomerID, otherReq.PlanID, otherReq.StartDate)
	env.Step("%s", sent)
	changed, err := createSub(ctx, env, s.key, otherReq)
	if err != nil {
		return unexpected(env, nil, sent, "the first subscription, unchanged", err)
	}
	if d := diffSubs(s.sub, changed); d != "" {
		return grader.Fail(sent, "the first subscription, unchanged: "+describe(s.sub), "the subscription was changed: %s", d).
			WithHint("CreateSubscription on an existing subscription must return the stored one and ignore the request")
	}
	if err := expectStored(ctx, env, s.key, s.sub, "after three CreateSubscription calls"); err != nil {
		return err
	}
	sent = "CreateSubscription " + s.key + " three times (same body twice, then another customer and plan)"
	if err := expectOneCharge(env, s, sent); err != nil {
		return err
	}
	oe := effectsFor(env, other.customer, other.email)
	if len(oe.charges) > 0 || len(oe.emails) > 0 {
		return grader.Fail(sent, "nothing charged to or sent to "+other.customer+" (the subscription exists already)",
			"%d charge(s) and %d email(s) for %s:\n%s", len(oe.charges), len(oe.emails), other.customer,
			indent(append(oe.charges, oe.emails...).String()))
	}
	return nil
}

// concurrentCreateCalls sends several different creates for one new key at once:
// Restate runs them one after the other, and only the first may charge.
func concurrentCreateCalls(ctx context.Context, env *grader.Env) (*subject, error) {
	key := env.NewKey(ex4.ServiceName, "sub")
	subs := make([]*subject, concurrentCreates)
	for i := range subs {
		subs[i] = newSubjectFor(env, randomDayPlan(env.Rand), world.NewCustomerID(env.Rand))
		subs[i].key = key
	}
	sent := fmt.Sprintf("%d concurrent CreateSubscription calls for new subscription %s, each for another customer", concurrentCreates, key)
	env.Step("%s", sent)
	got := make([]ex4.Subscription, len(subs))
	err := grader.Concurrently(ctx, len(subs), func(ctx context.Context, i int) error {
		var err error
		got[i], err = createSub(ctx, env, key, subs[i].request())
		return err
	})
	if err != nil {
		return nil, unexpected(env, nil, sent, "every call returns the same subscription", err)
	}
	for i := 1; i < len(got); i++ {
		if d := diffSubs(got[0], got[i]); d != "" {
			return nil, grader.Fail(sent, "every call returns the same subscription", "call %d returned another subscription than call 1: %s", i+1, d)
		}
	}
	var winner *subject
	for _, s := range subs {
		if s.customer == got[0].CustomerID {
			winner = s
		}
	}
	if winner == nil {
		return nil, grader.Fail(sent, "the subscription of one of the requests", "%s belongs to none of the customers sent", describe(got[0]))
	}
	if d := checkCreated(winner, got[0]); d != "" {
		return nil, grader.Fail(sent, "the subscription as the first request asked for it", "%s: %s", describe(got[0]), d)
	}
	var charges, emails world.Calls
	for _, s := range subs {
		e := effectsOf(env, s)
		charges = append(charges, e.charges...)
		emails = append(emails, e.emails...)
	}
	if len(charges) != 1 || charges[0].Arg(world.ArgCustomerID) != winner.customer || charges[0].Amount() != winner.plan.Price {
		return nil, grader.Fail(sent, fmt.Sprintf("exactly 1 charge: %d cents to %s, whose subscription was created", winner.plan.Price, winner.customer),
			"the payment gateway charged %d time(s):\n%s", len(charges), indent(charges.String()))
	}
	if len(emails) != 1 || emails[0].Arg(world.ArgRecipient) != winner.email {
		return nil, grader.Fail(sent, "exactly 1 welcome email, to "+winner.email,
			"the SMTP gateway delivered %d message(s):\n%s", len(emails), indent(emails.String()))
	}
	winner.sub = got[0]
	winner.charged, winner.emails = winner.plan.Price, 1
	return winner, nil
}

// createWithFailingWelcome fails the welcome email once: the charge went through, and
// Restate retries the whole handler.
func createWithFailingWelcome(ctx context.Context, env *grader.Env) (*subject, error) {
	s := newSubject(env, randomDayPlan(env.Rand))
	rule := env.World.On(smtpTo(s.email)...).FailNext(1)
	defer rule.Remove()
	sent := s.describeReq() + ", with the first welcome email failing (\"SMTP timeout\") after the charge went through"
	env.Step("%s", sent)
	got, err := createSub(ctx, env, s.key, s.request())
	if err != nil {
		return nil, unexpected(env, s, sent, "the new subscription: Restate retries the handler after the transient failure", err)
	}
	if d := checkCreated(s, got); d != "" {
		return nil, grader.Fail(sent, "an active subscription with the request's customer, plan and start date", "%s: %s", describe(got), d)
	}
	s.sub = got
	if err := expectOneCharge(env, s, sent); err != nil {
		if len(effectsOf(env, s).emails) == 0 {
			return nil, withHint(err, "a transient SMTP failure (errors.Is(err, fixtures.ErrTransient)) must be returned from the "+
				"restate.Run, so that Restate retries it; only a permanent one may be given up")
		}
		return nil, withHint(err, "the charge ran again when Restate retried CreateSubscription after the email failed: "+
			"wrap fixtures.Charge in restate.Run, so the retry replays its result")
	}
	if n := rule.Fired(); n != 1 {
		return nil, grader.Fail(sent, "one welcome email attempt that fails (the grader's SMTP timeout), then one that is delivered",
			"the SMTP gateway saw %d attempt(s) to %s that the timeout applied to", n, s.email)
	}
	return s, nil
}

// createCrashedAfterCharge breaks CreateSubscription's attempt right after the charge's
// result was recorded: the charge is held at the gateway until the crash is armed,
// so the next journaled step that completes is the charge.
func createCrashedAfterCharge(ctx context.Context, env *grader.Env) (*subject, error) {
	s := newSubject(env, randomDayPlan(env.Rand))
	park := env.World.On(chargesOf(s.customer)...).Times(1).Park()
	defer park.Remove()
	defer env.World.ReleaseAll(chargesOf(s.customer)...)

	sent := s.describeReq() + ", with the attempt crashed right after the charge was recorded (Restate retries it)"
	env.Step("%s", sent)
	b := inBackground(func() (ex4.Subscription, error) { return createSub(ctx, env, s.key, s.request()) })
	ref, parked, err := waitParked(ctx, env, b, chargesOf(s.customer)...)
	if err != nil {
		return nil, err
	}
	if !parked {
		_, err := b.wait(ctx)
		if err != nil {
			return nil, unexpected(env, nil, s.describeReq(), "a new subscription, charged once", err)
		}
		return nil, grader.Fail(s.describeReq(), fmt.Sprintf("a charge of %d cents to %s", s.plan.Price, s.customer), "the subscription was created without charging the customer")
	}
	crash, err := armAfterRun(ctx, env, s.key)
	if err != nil {
		return nil, err
	}
	defer crash.Disarm()
	if err := env.World.Release(ref); err != nil {
		return nil, fmt.Errorf("release the parked charge: %w", err)
	}
	got, err := b.wait(ctx)
	if err != nil {
		return nil, unexpected(env, s, sent, "the new subscription", err)
	}
	if d := checkCreated(s, got); d != "" {
		return nil, grader.Fail(sent, "an active subscription with the request's customer, plan and start date", "%s: %s", describe(got), d)
	}
	s.sub = got
	if err := expectOneCharge(env, s, sent); err != nil {
		return nil, withHint(err, "the charge ran again when Restate retried CreateSubscription after the crash: "+
			"wrap fixtures.Charge in restate.Run, so the retry replays its result")
	}
	if crash.Fired() == 0 {
		// As in emails-once: the charge went through but nothing was journaled after it.
		return nil, grader.Fail(sent, "the charge made inside restate.Run, so that Restate records it",
			"the payment gateway charged, but no journaled step completed after it, neither in CreateSubscription nor in a service it "+
				"called: the charge was made outside restate.Run, and a crash at that point would charge again")
	}
	return s, nil
}

// createInvalid sends an unknown customer, an unknown plan and a start date that is not
// YYYY-MM-DD: 400, nothing charged, nothing stored. It returns the refused keys.
func createInvalid(ctx context.Context, env *grader.Env) ([]string, error) {
	bad := newSubjectFor(env, randomDayPlan(env.Rand), world.NewUnknownCustomerID(env.Rand))
	bad.key = env.NewKey(ex4.ServiceName, "sub")
	if err := refusedCreate(ctx, env, bad, bad.request(), "customer "+bad.customer+" is not in the registry"); err != nil {
		return nil, err
	}
	s := newSubject(env, randomDayPlan(env.Rand))
	req := s.request()
	req.PlanID = unknownPlanID(env.Rand)
	if err := refusedCreate(ctx, env, s, req, "plan "+req.PlanID+" is not in the catalogue"); err != nil {
		return nil, err
	}
	d := newSubject(env, randomDayPlan(env.Rand))
	req = d.request()
	req.StartDate = badDate(env.Rand)
	if err := refusedCreate(ctx, env, d, req, "the start date is not YYYY-MM-DD"); err != nil {
		return nil, err
	}
	return []string{bad.key, s.key, d.key}, nil
}

func refusedCreate(ctx context.Context, env *grader.Env, s *subject, req ex4.SubscriptionRequest, why string) error {
	sent := fmt.Sprintf("CreateSubscription %s {customerId:%q planId:%q startDate:%q} (%s)", s.key, req.CustomerID, req.PlanID, req.StartDate, why)
	env.Step("%s", sent)
	got, err := createSub(ctx, env, s.key, req)
	if grader.Code(err) != 400 {
		return withHint(unexpectedCode(sent, "a terminal 400 error", got, err),
			"look the customer up with fixtures.GetCustomer and the plan with fixtures.GetPlan, and parse the date, before any "+
				"charge; a permanent error (errors.Is(err, fixtures.ErrPermanent)) or a bad date becomes "+
				"restate.ToTerminalError(err, restate.WithErrorCode(400))")
	}
	e := effectsFor(env, req.CustomerID, s.email)
	if len(e.charges) > 0 || len(e.emails) > 0 {
		return grader.Fail(sent, "no charge and no email", "%d charge(s) and %d email(s):\n%s", len(e.charges), len(e.emails),
			indent(append(e.charges, e.emails...).String()))
	}
	return expectNotFound(ctx, env, s.key, sent, "a refused subscription is not stored")
}

// otherPlan draws a day plan other than id.
// It always draws one number, whatever id is, so that the inputs drawn after it do not
// depend on id (which may be the winner of a race).
func otherPlan(env *grader.Env, id string) string {
	var others []string
	for _, p := range dayPlans {
		if p != id {
			others = append(others, p)
		}
	}
	others = others[:len(dayPlans)-1]
	return others[env.Rand.IntN(len(others))]
}

// withHint sets a hint on a Failure and passes anything else through.
func withHint(err error, hint string) error {
	if f, ok := err.(*grader.Failure); ok && f.Hint == "" {
		return f.WithHint(hint)
	}
	return err
}
