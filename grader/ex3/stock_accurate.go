package ex3

import (
	"context"
	"fmt"
	"time"

	"idempotency/contract/ex3"
	"idempotency/grader"
	"idempotency/grader/internal/proxy"
)

const crashedSteps = 6 // steps whose first attempt crashes just before it completes

func stockAccurate() grader.Scenario {
	return grader.Scenario{
		ID:     "stock-accurate",
		Title:  "Stock levels accurate",
		Points: 25,
		Needs:  needs(ex3.Restock, ex3.ReserveStock, ex3.ReleaseReservation, ex3.GetStockLevel, ex3.GetReservation),
		Hint: "keep the stock and every reservation in Restate state (restate.Get/restate.Set), never in Go variables; " +
			"make each handler return early for an ID it has seen before, and only change stock for an active reservation",
		Timeout: 90 * time.Second,
		Run:     runStockAccurate,
	}
}

// runStockAccurate drives one product through a seeded sequence of restocks, reservations,
// duplicates and releases, with crashes on some steps, and compares GetStockLevel with a
// model after every step. Half-way it stops; the rest of the sequence runs after the
// engine has restarted the service process, once everything stored so far was read back.
func runStockAccurate(ctx context.Context, env *grader.Env) error {
	key := newProduct(env)
	m := newModel(key, submission{env})
	ops := planned()
	// Step 0 is a reservation on the product before it has any stock, step 1 its first
	// restock; the planned steps follow.
	crash := map[int]bool{}
	for _, n := range env.Rand.Perm(len(ops))[:crashedSteps] {
		crash[n+2] = true
	}
	restartAfter := between(env.Rand, (len(ops)+2)/3, 2*(len(ops)+2)/3)
	q := &sequence{env: env, m: m, h: &history{}, ops: ops, crash: crash, n: 2, limit: 4 * len(ops)}

	if err := neverRestocked(ctx, env, m, q.h); err != nil {
		return err
	}
	initial := ex3.RestockRequest{RestockID: newRestockID(env.Rand), Quantity: between(env.Rand, 25, 35)}
	if err := runStep(ctx, env, m, q.h, 1, m.restockStep(initial, false), false); err != nil {
		return err
	}
	if err := q.run(ctx, func(n int) bool { return n > restartAfter }); err != nil {
		return err
	}
	env.AfterRestart(fmt.Sprintf("the stock and every reservation of %s, then the rest of its sequence", key), func(ctx context.Context) error {
		if err := afterRestart(ctx, env, m, q.h); err != nil {
			return err
		}
		// The applied restock IDs must have survived too.
		first := m.restockIDs[0]
		s := m.restockStep(ex3.RestockRequest{RestockID: first, Quantity: m.restocks[first]}, true)
		s.sent += " right after the restart"
		s.hint = "a restock applied before the restart was applied again: keep the applied restock IDs in Restate state " +
			"(restate.Set), not in Go memory, which a restarted process has forgotten"
		if err := runStep(ctx, env, m, q.h, q.n, s, false); err != nil {
			return err
		}
		q.n++
		if err := q.run(ctx, func(int) bool { return false }); err != nil {
			return err
		}
		env.Step("%d steps checked on %s (%d crashed before completion, service restarted after step %d); final %s",
			q.n, key, crashedSteps, restartAfter, m.stock)
		return nil
	})
	return nil
}

// sequence is the planned steps still to run on one product, and where it stands.
type sequence struct {
	env   *grader.Env
	m     *model
	h     *history
	ops   []op
	crash map[int]bool // step numbers whose first attempt crashes
	n     int          // the next step's number
	limit int
}

// run takes planned steps, in an order the seed picks among those feasible, until none
// is left or stop says so before a step.
func (q *sequence) run(ctx context.Context, stop func(n int) bool) error {
	for len(q.ops) > 0 && !stop(q.n) {
		if q.n > q.limit {
			panic(fmt.Sprintf("the sequence on %s did not finish its planned steps in %d steps: the model cannot reach %v", q.m.key, q.n, q.ops))
		}
		var o op
		o, q.ops = q.m.pick(q.env.Rand, q.ops)
		if err := runStep(ctx, q.env, q.m, q.h, q.n, q.m.next(q.env.Rand, o), q.crash[q.n]); err != nil {
			return err
		}
		q.n++
		if o == opReserveExact {
			// Nothing is left now: a duplicate must still find the stored reservation
			// rather than be refused for lack of stock.
			last := q.m.reservations[q.m.active[len(q.m.active)-1]]
			s := q.m.reserveStep(reservationRequest(q.m.key, last.ReservationID, last.Quantity), "a duplicate of the reservation that took the last units")
			s.hint = "a duplicate must find the stored reservation before anything else is checked: look the reservationId up first, " +
				"and compare the quantity with availableStock only for a reservationId you have never seen"
			if err := runStep(ctx, q.env, q.m, q.h, q.n, s, q.crash[q.n]); err != nil {
				return err
			}
			q.n++
		}
	}
	return nil
}

// runStep makes one call, crashing its first attempt when crash is set, checks the answer
// and then GetStockLevel against the model.
func runStep(ctx context.Context, env *grader.Env, m *model, h *history, n int, s step, crash bool) error {
	sent := fmt.Sprintf("step %d of the sequence on product %s: %s", n, m.key, s.sent)
	if crash {
		sent += " (its first attempt crashed just before it completed; Restate retried it)"
		env.Step("step %d: %s [crash before completion]", n, s.sent)
	} else {
		env.Step("step %d: %s", n, s.sent)
	}
	withHistory := func() string {
		if len(h.steps) == 0 {
			return sent
		}
		return sent + "\nafter these steps:\n" + h.String()
	}
	before := m.stock
	var armed *grader.Crash
	if crash {
		armed = env.ArmCrash(target(m.key, s.handler), proxy.CrashBeforeCompletion, 1)
		defer armed.Disarm()
	}
	observed, err := s.do(ctx, env)
	if err != nil {
		return err
	}
	if observed != "" {
		return grader.Fail(withHistory(), s.expected, "%s\n(stock before this step: %s)%s", observed, before, stockNote(ctx, env, m.key, before)).
			WithHint(s.hint)
	}
	if armed != nil {
		if err := armed.Check(); err != nil {
			return err
		}
	}
	got, err := getStock(ctx, env, m.key)
	if err != nil {
		return env.Unexpected(withHistory()+"\nthen GetStockLevel", m.stock.String(), err)
	}
	if d := m.diffLevel(m.stock, got); d != "" {
		hint := s.hint
		if crash {
			hint = "Restate retried " + s.handler + " after a crash and replayed it: whatever the handler changes must come from " +
				"Restate state and journaled values (restate.Run), so that the retry does the same thing once. " + s.hint
		}
		var rs []ex3.Reservation
		for _, id := range m.reservationIDs() {
			rs = append(rs, m.reservations[id])
		}
		return withChanged(ctx, env, m.key, grader.Fail(withHistory()+"\nthen GetStockLevel", m.stock.String()+fmt.Sprintf(" (before this step: %s)", before),
			"%s: %s", describeStock(got), d).WithHint(hint), rs...)
	}
	h.add(fmt.Sprintf("  step %d: %s -> %s", n, s.sent, m.stock))
	return nil
}

// neverRestocked checks the product before its first restock: zero stock, not a 404,
// and a reservation refused with 409, after which the stock is still zero. The refused
// ID joins the model, to be released (404) later in the sequence.
func neverRestocked(ctx context.Context, env *grader.Env, m *model, h *history) error {
	hint := "a product never restocked has zero stock: GetStockLevel answers zeros with its productId (a missing state key " +
		"reads as the zero value), and any reservation on it is refused with a terminal 409"
	sent := fmt.Sprintf("GetStockLevel %s, a product never restocked", m.key)
	env.Step("%s", sent)
	got, err := getStock(ctx, env, m.key)
	if err != nil {
		return withHint(env.Unexpected(sent, "zero stock: "+m.stock.String(), err), hint)
	}
	if d := m.diffLevel(m.stock, got); d != "" {
		return grader.Fail(sent, "zero stock: "+m.stock.String(), "%s: %s", describeStock(got), d).WithHint(hint)
	}
	req := reservationRequest(m.key, newReservationID(env.Rand), between(env.Rand, 1, 5))
	s := m.reserveStep(req, "")
	s.sent += " (the product was never restocked)"
	s.hint = hint
	if err := runStep(ctx, env, m, h, 0, s, false); err != nil {
		return err
	}
	return nil
}

// afterRestart checks, right after the engine restarted the service process, that the
// stock and every reservation are still what the model says.
func afterRestart(ctx context.Context, env *grader.Env, m *model, h *history) error {
	h.add("  (the service process was killed and started again)")
	sent := fmt.Sprintf("GetStockLevel %s right after your service process was killed and started again\nafter these steps:\n%s", m.key, h)
	env.Step("GetStockLevel %s after the restart", m.key)
	got, err := getStock(ctx, env, m.key)
	if err != nil {
		return env.Unexpected(sent, m.stock.String(), err)
	}
	if d := m.diffLevel(m.stock, got); d != "" {
		return grader.Fail(sent, "the same stock as before the restart: "+m.stock.String(), "%s: %s", describeStock(got), d).
			WithHint("the stock was lost when the process restarted: it lived in Go memory. Keep it in Restate state " +
				"(restate.Get/restate.Set in the handlers), which Restate stores outside your process")
	}
	var want []ex3.Reservation
	for _, id := range m.reservationIDs() {
		want = append(want, m.reservations[id])
	}
	env.Step("GetReservation of the %d reservations and %d refused IDs after the restart", len(want), len(m.refused))
	return withHint(checkStored(ctx, env, m.key, m.stock, want, m.refused, "right after your service process was killed and started again"), restartHint)
}
