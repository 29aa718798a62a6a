package ex6

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"
	"time"

	"idempotency/contract/ex6"
	"idempotency/fixtures/world"
	"idempotency/grader"
	"idempotency/grader/internal/proxy"
)

func retrySafe() grader.Scenario {
	return grader.Scenario{
		ID:     "retry-safe",
		Title:  "Retrying the transaction is safe",
		Points: 20,
		Hint: "Restate retries a crashed handler and replays its journal: every effect must be a participant call or sit " +
			"inside restate.Run, never a direct gateway call, and nothing may depend on values that change between attempts",
		Exclusive: true,
		Timeout:   150 * time.Second,
		// The crashes are armed on the participant handlers by name.
		Needs: map[string][]string{
			ex6.OrchestratorName:        {ex6.ProcessOrder, ex6.GetOrderResult},
			ex6.InventoryServiceName:    {ex6.ReserveStock, ex6.ReleaseReservation},
			ex6.PaymentServiceName:      {ex6.CreatePayment, ex6.RefundPayment},
			ex6.ShippingServiceName:     {ex6.CreateLabel},
			ex6.NotificationServiceName: {ex6.SendNotification},
		},
		Run: runRetrySafe,
	}
}

func runRetrySafe(ctx context.Context, env *grader.Env) error {
	// One order at a time, so that nothing else runs between an attempt and its retry
	// (a service that remembers its last order in memory must find it there on the
	// retry): ProcessOrder crashes just before it completes, on a completed and on a
	// failed order (Restate replays its whole journal); then the payment and shipping
	// gateways take the charge and the label of an order, and the refund of a failed
	// one, and lose their reply, so its participants retry those calls.
	for _, o := range []order{newOrder(env), undeliverableOrder(env)} {
		t := grader.Target{Service: ex6.OrchestratorName, Handler: ex6.ProcessOrder, Key: o.ID}
		sent := fmt.Sprintf("ProcessOrder %s; the first attempt of ProcessOrder crashes just before it completes", o.describe())
		env.Step("%s", sent)
		if err := crashed(ctx, env, o, sent, []grader.Target{t}, proxy.CrashBeforeCompletion); err != nil {
			return err
		}
	}
	lost := newOrder(env)
	lostSent := fmt.Sprintf("ProcessOrder %s; the payment and shipping gateways make the charge and the label but lose their first reply", lost.describe())
	env.Step("%s", lostSent)
	if err := lostReplies(ctx, env, lost, lostSent); err != nil {
		return err
	}
	lostRefund := undeliverableOrder(env)
	lostRefundSent := fmt.Sprintf("ProcessOrder %s; the payment gateway makes the refund but loses its first reply", lostRefund.describe())
	env.Step("%s", lostRefundSent)
	if err := lostRefundReply(ctx, env, lostRefund, lostRefundSent); err != nil {
		return err
	}
	// Then the participants, whose crashes are armed on the handler (a service has no
	// key): every participant of a completed order, then the compensations of a failed
	// one. Each is crashed right after its
	// gateway call is recorded, and its retry again just before it completes.
	completedPath := []grader.Target{
		{Service: ex6.InventoryServiceName, Handler: ex6.ReserveStock},
		{Service: ex6.PaymentServiceName, Handler: ex6.CreatePayment},
		{Service: ex6.ShippingServiceName, Handler: ex6.CreateLabel},
		{Service: ex6.NotificationServiceName, Handler: ex6.SendNotification},
	}
	compensations := []grader.Target{
		{Service: ex6.PaymentServiceName, Handler: ex6.RefundPayment},
		{Service: ex6.InventoryServiceName, Handler: ex6.ReleaseReservation},
	}
	if err := crashParticipants(ctx, env, newOrder(env), completedPath); err != nil {
		return err
	}
	if err := crashParticipants(ctx, env, undeliverableOrder(env), compensations); err != nil {
		return err
	}
	// The service process is killed while one order per step has that step's gateway
	// call in flight: one kill, five interrupted steps.
	return killDuring(ctx, env, []inFlight{
		{"reserving stock", newOrder(env), func(o order) []world.Matcher {
			return []world.Matcher{warehouse(ex6.EventStockReserved), world.Arg(world.ArgReference, o.ID)}
		}},
		{"charging", newOrder(env), func(o order) []world.Matcher {
			return []world.Matcher{world.Gateway(world.Charge), world.Arg(world.ArgCustomerID, o.Req.CustomerID)}
		}},
		{"buying the label", newOrder(env), func(o order) []world.Matcher {
			return []world.Matcher{world.Gateway(world.CreateLabel), world.Arg(world.ArgOrderID, o.ID)}
		}},
		{"sending the confirmation", newOrder(env), func(o order) []world.Matcher {
			return customerNotice(o, ex6.EventOrderConfirmed)
		}},
		{"refunding (a compensation)", undeliverableOrder(env), func(o order) []world.Matcher {
			return []world.Matcher{world.Gateway(world.Refund), chargeOfCustomer(env, o.Req.CustomerID)}
		}},
	})
}

// crashed processes o with faults armed on each target, and checks the effects, the
// stored result, and that the crashes hit this order. The caller records the step.
func crashed(ctx context.Context, env *grader.Env, o order, sent string, targets []grader.Target, faults ...proxy.Fault) error {
	// Every fault of a target counts in the first crash armed on it: none can fire
	// before the order is sent.
	crashes := make([]*grader.Crash, len(targets))
	for i, t := range targets {
		for _, f := range faults {
			c := env.ArmCrash(t, f, 1)
			defer c.Disarm()
			if crashes[i] == nil {
				crashes[i] = c
			}
		}
	}
	res, err := process(ctx, env, o, sent)
	if err != nil {
		return err
	}
	if err := settle(ctx, env, o); err != nil {
		return err
	}
	if err := expectEffects(ctx, env, o, res, sent, lenient); err != nil {
		var f *grader.Failure
		if !errors.As(err, &f) {
			return err
		}
		for i, t := range targets {
			f.Observed += fmt.Sprintf("\n(the proxy crashed %d attempt(s) of %s.%s)", crashes[i].Fired(), t.Service, t.Handler)
		}
		return f
	}
	if err := sameStored(ctx, env, o, res, sent); err != nil {
		return err
	}
	if err := expectNotAskedAgain(env, o, sent, targets); err != nil {
		return err
	}
	var kids []invocation
	if slices.ContainsFunc(targets, func(t grader.Target) bool { return t.Service != ex6.OrchestratorName }) {
		if _, kids, err = orderInvocations(ctx, env, []string{o.ID}); err != nil {
			return err
		}
	}
	for i, t := range targets {
		if err := expectCrashed(ctx, env, o, sent, t, kids, crashes[i].Fired(), faults); err != nil {
			return err
		}
	}
	return nil
}

// crashParticipants processes o with every participant handler in targets crashed
// twice: right after its gateway call is recorded, and its retry again just before it
// completes.
func crashParticipants(ctx context.Context, env *grader.Env, o order, targets []grader.Target) error {
	names := make([]string, len(targets))
	for i, pt := range targets {
		names[i] = pt.Service + "." + pt.Handler
	}
	sent := fmt.Sprintf("ProcessOrder %s; each of %s crashes right after its gateway call is recorded, and its retry crashes again just before it completes",
		o.describe(), strings.Join(names, ", "))
	env.Step("%s", sent)
	return crashed(ctx, env, o, sent, targets, proxy.CrashAfterRunRecorded, proxy.CrashBeforeCompletion)
}

// expectCrashed checks that the armed crashes hit o's invocation of t, among kids
// (every invocation the order started). A crash right after a run was recorded needs a
// restate.Run to fire at: a participant without one (whose gateway took care of the
// retry, since the effects were right) is crashed once.
func expectCrashed(ctx context.Context, env *grader.Env, o order, sent string, pt grader.Target, kids []invocation, fired int, faults []proxy.Fault) error {
	armed := len(faults)
	if pt.Service == ex6.OrchestratorName {
		if fired != armed {
			return fmt.Errorf("the crash armed on %s fired %d times, want %d", pt, fired, armed)
		}
		return nil
	}
	var mine []invocation
	for _, k := range kids {
		if k.Service == pt.Service && k.Handler == pt.Handler {
			mine = append(mine, k)
		}
	}
	if len(mine) == 0 && isCompensation(pt) {
		// A compensation that is never called is missing, not unsafe to retry: the
		// compensation criterion (and the bonus) judge that, and only they (README).
		return nil
	}
	if len(mine) == 0 {
		return grader.Fail(sent, fmt.Sprintf("the order calls %s.%s, whose crash is survived", pt.Service, pt.Handler),
			"%s.%s was never invoked for %s", pt.Service, pt.Handler, o.ID).
			WithHint("make each step a call to its participant service, as the contract says: the grader crashes each participant in turn")
	}
	want, attempts := armed, 0
	for _, inv := range mine {
		attempts += env.Proxy.AttemptsOf(inv.ID)
	}
	types, err := journalTypes(ctx, env, mine[0].ID)
	if err != nil {
		return err
	}
	if !slices.Contains(types, "Command: Run") && slices.Contains(faults, proxy.CrashAfterRunRecorded) {
		want--
	}
	if fired != want || attempts < len(mine)+want {
		return fmt.Errorf("the %d crash(es) armed on %s fired %d times (want %d), and the order's %d invocation(s) of it were attempted %d times",
			armed, pt, fired, want, len(mine), attempts)
	}
	return nil
}

// expectNotAskedAgain fails when a crashed participant made its gateway call again
// after the crash: the gateway recognised the repeat by its idempotency key and
// answered it from the first call, so the effect is right, but the call was not
// replayed from Restate's journal (R15: the effect in restate.Run, and a key).
// The crashes never hit the window in which a Run legitimately runs again.
func expectNotAskedAgain(env *grader.Env, o order, sent string, targets []grader.Target) error {
	for _, pt := range targets {
		var again world.Calls
		switch pt.Service + "." + pt.Handler {
		case ex6.PaymentServiceName + "." + ex6.CreatePayment:
			again = env.World.Calls(world.Gateway(world.Charge), world.Arg(world.ArgCustomerID, o.Req.CustomerID)).Replayed()
		case ex6.PaymentServiceName + "." + ex6.RefundPayment:
			again = env.World.Calls(world.Gateway(world.Refund), chargeOfCustomer(env, o.Req.CustomerID)).Replayed()
		case ex6.ShippingServiceName + "." + ex6.CreateLabel:
			again = env.World.Calls(world.Gateway(world.CreateLabel), world.Arg(world.ArgOrderID, o.ID)).Replayed()
		case ex6.ShippingServiceName + "." + ex6.CancelLabel:
			labels := env.World.Calls(world.Gateway(world.CreateLabel), world.Arg(world.ArgOrderID, o.ID)).Results()
			again = env.World.Calls(world.Gateway(world.CancelLabel), argIn(world.ArgLabelID, labels)).Replayed()
		}
		if len(again) == 0 {
			continue
		}
		return grader.Fail(sent, fmt.Sprintf("%s.%s's gateway call made once: its retry replays the recorded result from Restate's journal", pt.Service, pt.Handler),
			"after the crash the gateway was asked again (it answered from the idempotency key of the first call):\n%s", indent(again.String())).
			WithHint("make the participant's gateway call inside restate.Run, as participants.go ships it: Restate records its result and a " +
				"retry replays it; the gateway's idempotency key is only the second line of defence")
	}
	return nil
}

// isCompensation reports whether pt is a compensation's participant handler.
func isCompensation(pt grader.Target) bool {
	switch pt.Service + "." + pt.Handler {
	case ex6.PaymentServiceName + "." + ex6.RefundPayment, ex6.InventoryServiceName + "." + ex6.ReleaseReservation,
		ex6.ShippingServiceName + "." + ex6.CancelLabel:
		return true
	}
	return false
}

// inFlight is an order whose gateway call of one step is held while the process dies.
type inFlight struct {
	step  string
	o     order
	match func(order) []world.Matcher
}

// killDuring starts every order, waits until each has its step's gateway call parked,
// kills the service process (SIGKILL) and restarts it, and checks that every order
// still ends with each effect once.
func killDuring(ctx context.Context, env *grader.Env, flights []inFlight) error {
	done := make([]chan answer, len(flights))
	for i, f := range flights {
		rule := env.World.On(f.match(f.o)...).Times(1).Park()
		defer rule.Remove()
		done[i] = make(chan answer, 1)
		go func() {
			res, err := processOrder(ctx, env, f.o)
			done[i] <- answer{res, err}
		}()
	}
	sent := func(f inFlight) string {
		return fmt.Sprintf("ProcessOrder %s; the service process is killed (SIGKILL) while %s, then restarted", f.o.describe(), f.step)
	}
	env.Step("%d orders, each held in a different step (%s); kill the service process and restart it", len(flights), stepList(flights))
	wctx, cancel := context.WithTimeout(ctx, 20*time.Second)
	defer cancel()
	answers := make([]answer, len(flights))
	answered := make([]bool, len(flights))
	skipped := make([]bool, len(flights))
	for i, f := range flights {
		held, early := heldOrSettled(wctx, env, f, done[i])
		if early != nil {
			answers[i], answered[i] = *early, true
		}
		if !held {
			if a := early; a != nil {
				if a.err != nil && !grader.IsHarness(a.err) {
					return env.Unexpected(sent(f), expectedOutcome(f.o), a.err)
				}
				if a.err == nil && strings.HasSuffix(f.step, "(a compensation)") {
					// A failed order that never calls this compensation is missing it,
					// which the compensation criterion judges (README): nothing to kill.
					skipped[i] = true
					continue
				}
				return grader.Fail(sent(f), "the order reaches the step of "+f.step,
					"ProcessOrder answered %s without that gateway call", describeResult(a.res))
			}
			if ctx.Err() != nil {
				return ctx.Err()
			}
			return notReached(ctx, env, f, sent(f))
		}
	}
	killAt := time.Now()
	if err := env.RestartService(ctx); err != nil {
		return err
	}
	for i := range flights {
		if !answered[i] {
			answers[i] = <-done[i]
		}
	}
	for i, f := range flights {
		if answers[i].err != nil {
			return env.Unexpected(sent(f), expectedOutcome(f.o), answers[i].err)
		}
	}
	orders := make([]order, len(flights))
	for i, f := range flights {
		orders[i] = f.o
	}
	if err := settle(ctx, env, orders...); err != nil {
		return err
	}
	for i, f := range flights {
		e := observe(env, f.o)
		forgiveKill(&e, f.step, killAt.Add(killedBy))
		if err := judge(ctx, env, f.o, sent(f), check(f.o, e, answers[i].res, lenient)); err != nil {
			return err
		}
		if err := sameStored(ctx, env, f.o, answers[i].res, sent(f)); err != nil {
			return err
		}
		if skipped[i] {
			continue // it never reached the held call: the kill could not hit it
		}
		if n := len(env.World.Calls(append(f.match(f.o), abandoned)...)); n != 1 {
			return fmt.Errorf("the parked call of %s for %s was abandoned %d times, want 1: the kill did not hit it", f.step, f.o.ID, n)
		}
	}
	return nil
}

// notReached fails an order that did not reach the gateway call of its step in time,
// with what Restate says its invocations were doing.
func notReached(ctx context.Context, env *grader.Env, f inFlight, sent string) error {
	roots, kids, err := orderInvocations(ctx, env, []string{f.o.ID})
	if err != nil {
		return err
	}
	lines := make([]string, 0, len(roots)+len(kids))
	for _, inv := range append(roots, kids...) {
		lines = append(lines, inv.describe())
	}
	return grader.Fail(sent, "the order reaches the step of "+f.step+" within 20 s",
		"no such gateway call arrived; the order's invocations, as Restate recorded them:\n%s", indent(strings.Join(lines, "\n"))).
		WithHint("run the steps one after the other, each a call to its participant: reserve stock, charge, buy the label, confirm")
}

// killedBy bounds when the killed process's last gateway calls arrive: the kill waits
// for the process to exit, and the restarted process needs longer than this to start
// and be retried by Restate, so calls before the bound are the old process's.
const killedBy = 50 * time.Millisecond

// forgiveKill drops the second delivery of an effect whose first delivery came from the
// killed process and whose second came after the restart: a restate.Run cut off by the
// kill before its result was recorded runs again, and that is Restate's at-least-once
// window, not a fault of the submission. It happens only to work running alongside the
// held gateway call (a one-way call, say): the held call's own step is never forgiven.
// Duplicates that a crash or a replay cause are judged by the crash checks, which
// never hit that window.
func forgiveKill(e *effects, held string, boundary time.Time) {
	kinds := map[string]*world.Calls{
		"reserving stock": &e.reserved, "charging": &e.charges, "buying the label": &e.labels,
		"sending the confirmation": &e.confirmations, "refunding (a compensation)": &e.refunds,
		"releasing": &e.released, "cancelling the label": &e.cancels, "the failure notice": &e.failures,
	}
	for step, calls := range kinds {
		cs := *calls
		if step == held || len(cs) != 2 {
			continue
		}
		if cs[0].At.Before(boundary) && !cs[1].At.Before(boundary) {
			*calls = cs[:1]
		}
	}
}

func stepList(flights []inFlight) string {
	steps := make([]string, len(flights))
	for i, f := range flights {
		steps[i] = f.step
	}
	return strings.Join(steps, ", ")
}

func abandoned(c world.Call) bool { return c.Abandoned }

// chargeOfCustomer matches calls whose chargeId is a charge of customer. It asks the
// payment backend, never the ledger, because rules are matched under the world's lock.
func chargeOfCustomer(env *grader.Env, customer string) world.Matcher {
	return func(c world.Call) bool {
		s, ok := env.World.ChargeState(c.Arg(world.ArgChargeID))
		return ok && s.CustomerID == customer
	}
}

// lostReplies loses the first reply of the charge and of the label of o. The caller
// records the step.
func lostReplies(ctx context.Context, env *grader.Env, o order, sent string) error {
	charge := env.World.On(world.Gateway(world.Charge), world.Arg(world.ArgCustomerID, o.Req.CustomerID)).Times(1).LoseReply()
	defer charge.Remove()
	label := env.World.On(world.Gateway(world.CreateLabel), world.Arg(world.ArgOrderID, o.ID)).Times(1).LoseReply()
	defer label.Remove()
	res, err := process(ctx, env, o, sent)
	if err != nil {
		return err
	}
	if err := settle(ctx, env, o); err != nil {
		return err
	}
	e := observe(env, o)
	if ps := check(o, e, res, lenient); len(ps) > 0 {
		err := judge(ctx, env, o, sent, ps)
		var f *grader.Failure
		if errors.As(err, &f) {
			for _, cs := range []world.Calls{e.charges, e.labels} {
				if len(cs) > 1 {
					keys, same := sameKeys(cs)
					f.Observed += "\n" + keys
					if !same {
						f.WithHint("the retry after a lost reply reached the gateway as a new request: pass the gateway an idempotency key that " +
							"stays the same across retries (the participants use ctx.Request().ID), and make the call inside restate.Run")
					}
					break
				}
			}
		}
		return err
	}
	if charge.Fired() != 1 || label.Fired() != 1 {
		return grader.Fail(sent, "the order charges the customer and buys a label, whose first replies are lost",
			"the lost replies fired %d (charge) and %d (label) times: the order did not make those gateway calls", charge.Fired(), label.Fired()).
			WithHint("charge through PaymentService.CreatePayment and buy the label through ShippingService.CreateLabel")
	}
	return nil
}

// lostRefundReply loses the first reply of o's refund: RefundPayment retries the call
// with the same gateway key, and the customer is refunded once. An order that never
// refunds is left to the compensation criterion. The caller records the step.
func lostRefundReply(ctx context.Context, env *grader.Env, o order, sent string) error {
	refund := env.World.On(world.Gateway(world.Refund), chargeOfCustomer(env, o.Req.CustomerID)).Times(1).LoseReply()
	defer refund.Remove()
	res, err := process(ctx, env, o, sent)
	if err != nil {
		return err
	}
	if err := settle(ctx, env, o); err != nil {
		return err
	}
	e := observe(env, o)
	if ps := check(o, e, res, lenient); len(ps) > 0 {
		err := judge(ctx, env, o, sent, ps)
		var f *grader.Failure
		if errors.As(err, &f) && len(e.refunds) > 1 {
			keys, same := sameKeys(e.refunds)
			f.Observed += "\n" + keys
			if !same {
				f.WithHint("the retry after a lost reply reached the gateway as a new refund: pass the gateway an idempotency key that " +
					"stays the same across retries (the participants use ctx.Request().ID), and make the call inside restate.Run")
			}
		}
		return err
	}
	return nil
}

// sameKeys says whether repeated gateway calls carried the same idempotency key.
func sameKeys(cs world.Calls) (string, bool) {
	var keys []string
	for _, c := range cs {
		k := c.IdempotencyKey
		if k == "" {
			k = "(none)"
		}
		keys = append(keys, k)
	}
	if len(slices.Compact(slices.Clone(keys))) == 1 && keys[0] != "(none)" {
		return fmt.Sprintf("these %d calls carried the same gateway idempotency key %q", len(cs), keys[0]), true
	}
	return fmt.Sprintf("these %d calls carried the gateway idempotency keys %s: the key changed between attempts, so the gateway saw new requests",
		len(cs), strings.Join(keys, ", ")), false
}

// sameStored checks that the result ProcessOrder answered after the retries is the one
// it stored. A 404 is left to the transaction-idempotent criterion, which judges storing.
func sameStored(ctx context.Context, env *grader.Env, o order, res ex6.OrderResult, sent string) error {
	stored, err := getOrderResult(ctx, env, o.ID)
	switch {
	case grader.Code(err) == 404:
		return nil
	case err != nil:
		return env.Unexpected("GetOrderResult "+o.ID+" after: "+sent, "the result ProcessOrder returned", err)
	}
	if d := diffResults(res, stored); d != "" {
		return grader.Fail(sent+", then GetOrderResult", "the stored result equals the one ProcessOrder answered: "+describeResult(res),
			"they differ: %s (a retry computed other values than the first attempt)", d).
			WithHint("build the result only from journaled values: participant answers and restate.Run results")
	}
	return nil
}
