package ex3

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"time"

	"idempotency/contract/ex3"
	"idempotency/grader"
)

const (
	tinyTTL  = 1 * time.Millisecond    // E: the smallest TTL there is, left to expire
	shortTTL = 400 * time.Millisecond  // A: left to expire
	midTTL   = 1000 * time.Millisecond // D: left to expire, made after A
	// longTTLs are B's: released right after it is made, long before its TTL runs out.
	// The second is tried only when the first ran out before the release answered.
	longTTL  = 2000 * time.Millisecond
	retryTTL = 6000 * time.Millisecond
	// expiryGrace is how long after its TTL an expiry may take on a loaded machine. When
	// the grader's own reads are slow (a machine loaded far beyond its cores), the expiry
	// is slowed as much, so the grace grows by graceFactor times the slowest read seen,
	// up to maxExtraGrace more.
	expiryGrace   = 5 * time.Second
	graceFactor   = 20
	maxExtraGrace = 25 * time.Second
	// earlySlack allows for the millisecond resolution of Restate's timers.
	earlySlack = 20 * time.Millisecond
	pollEvery  = 40 * time.Millisecond
)

func reservationExpiry() grader.Scenario {
	return grader.Scenario{
		ID:     "reservation-expiry",
		Title:  "Reservations expire after their timeout",
		Points: 10,
		Bonus:  true,
		Needs:  needs(ex3.Restock, ex3.ReserveStock, ex3.ReleaseReservation, ex3.GetStockLevel, ex3.GetReservation),
		Hint: "when ttlMillis > 0, schedule the expiry with a delayed call to this object " +
			"(restate.ObjectSend(ctx, ex3.ServiceName, restate.Key(ctx), ex3.ExpireReservation).Send(req, restate.WithDelay(ttl))); " +
			"the expiry gives units back and sets status \"expired\" only if the reservation is still active",
		Timeout: readBackTimeout,
		Run:     runReservationExpiry,
	}
}

// timed is a reservation made with a TTL, and when the grader saw it happen.
type timed struct {
	label    string // "A", "B", ...
	req      ex3.ReservationRequest
	r        ex3.Reservation
	sent     time.Time // ReserveStock was sent: the reservation was made after this
	answered time.Time
	expired  bool // seen expired
}

func (t *timed) ttl() time.Duration { return time.Duration(t.req.TTLMillis) * time.Millisecond }

// due is the earliest moment the reservation may expire.
func (t *timed) due() time.Time { return t.sent.Add(t.ttl()) }

// deadline is the latest moment it must have expired by.
func (t *timed) deadline(grace time.Duration) time.Time { return t.answered.Add(t.ttl() + grace) }

func (t *timed) name() string {
	return fmt.Sprintf("%s (%s, ttlMillis %d)", t.label, t.r.ReservationID, t.req.TTLMillis)
}

// The properties judged here never depend on who wins a race: nothing expires before
// its TTL (a read that ended before the TTL ran out must not see it expired), every
// reservation left alone expires within expiryGrace after its TTL, a reservation without
// a TTL never expires, a released one stays released and its expiry gives nothing back,
// and a release after the expiry gives nothing back either.
func runReservationExpiry(ctx context.Context, env *grader.Env) error {
	qs := distinctQuantities(env.Rand, 4, 2, 6)
	// E holds 1 unit, a quantity no other reservation here has.
	stock := qs[0] + qs[1] + qs[2] + 2*qs[3] + 1 + between(env.Rand, 5, 15)
	key, err := stockUp(ctx, env, stock)
	if err != nil {
		return err
	}
	// C has no TTL: it holds its units all along.
	c, held, err := reserveNew(ctx, env, key, reservationRequest(key, newReservationID(env.Rand), qs[0]), level{available: stock}, " (no ttlMillis)")
	if err != nil {
		return err
	}
	a := &timed{label: "A", req: withTTL(reservationRequest(key, newReservationID(env.Rand), qs[1]), shortTTL)}
	d := &timed{label: "D", req: withTTL(reservationRequest(key, newReservationID(env.Rand), qs[2]), midTTL)}
	e := &timed{label: "E", req: withTTL(reservationRequest(key, newReservationID(env.Rand), 1), tinyTTL)}
	for _, t := range []*timed{a, d, e} {
		if err := reserveTimed(ctx, env, key, t); err != nil {
			return err
		}
	}
	b, late, err := reserveAndRelease(ctx, env, key, qs[3])
	if err != nil {
		return err
	}
	released := withStatus(b.r, ex3.StatusReleased)

	// Watch until A, D and E have expired and B's TTL has passed.
	env.Step("read GetReservation of A, B, C, D, E and GetStockLevel every %s until A, D and E expire (TTL %s, %s and %s) and B's TTL has passed",
		pollEvery, shortTTL, midTTL, tinyTTL)
	w := expiryWatch{env: env, key: key, stock: stock, c: c, b: released, pending: []*timed{a, d, e}}
	if err := w.run(ctx, b.due()); err != nil {
		return err
	}

	// B's expiry, due after its release, must have run by now and given nothing back.
	env.Step("wait until Restate has nothing pending on %s", key)
	pending, err := waitSettled(ctx, env, key, b.deadline(w.grace()))
	if err != nil {
		return err
	}
	if pending != "" {
		return grader.Fail(fmt.Sprintf("the reservations above on %s; the last TTL ran out %s ago", key, roundMS(time.Since(b.due()))),
			fmt.Sprintf("within %s of the last TTL, nothing left pending on the product", w.graceText()),
			"still pending: %s", pending).
			WithHint("every expiry must have run (and finished) within a few seconds of its TTL: an expiry that keeps failing is retried, " +
				"and one that schedules itself again never ends")
	}
	a.r, d.r, e.r = withStatus(a.r, ex3.StatusExpired), withStatus(d.r, ex3.StatusExpired), withStatus(e.r, ex3.StatusExpired)
	final := append([]ex3.Reservation{a.r, d.r, e.r, released, c}, late...)
	sent := fmt.Sprintf("C %s (no TTL), A %s, D %s and E %s (ttlMillis 1) left to expire, B %s released before its TTL; once all TTLs had passed",
		c.ReservationID, a.r.ReservationID, d.r.ReservationID, e.r.ReservationID, b.r.ReservationID)
	env.Step("GetStockLevel and GetReservation of A, B, C, D, E once nothing is pending")
	if err := checkStored(ctx, env, key, held, final, nil, sent); err != nil {
		return withHint(err, fmt.Sprintf("an expiry gives back the reservation's own quantity, once, and only while it is still active: "+
			"%s had been released before its TTL, so its expiry must change nothing", b.r.ReservationID))
	}

	// Releasing after the expiry gives nothing back.
	sent = fmt.Sprintf("ReleaseReservation %s {reservationId:%q} after it expired", key, a.r.ReservationID)
	env.Step("%s", sent)
	got, err := release(ctx, env, key, a.r.ReservationID)
	if grader.IsHarness(err) {
		return err
	}
	// The stock first: a second give-back is the finding that matters most.
	if err := expectStock(ctx, env, key, held, sent); err != nil {
		return withHint(err, fmt.Sprintf("%s had already expired and given its %d units back: a release must only give back an active reservation's units", a.r.ReservationID, a.r.Quantity))
	}
	switch {
	case err == nil:
		if diff := diffReservation(a.r, got); diff != "" {
			return grader.Fail(sent, "the expired reservation, unchanged (or a terminal 409)", "%s: %s", describeReservation(got), diff).
				WithHint("a release of a reservation that has expired leaves it as it is: status \"expired\"")
		}
	case grader.Code(err) != 409:
		return env.Unexpected(sent, "the expired reservation, unchanged (or a terminal 409)", err)
	}
	readBack(env, key, "the expired, released and never-expiring reservations and the stock", held, final, nil)
	return nil
}

const blockingHint = "do not wait for the TTL inside ReserveStock (or in any exclusive handler of the product): restate.Sleep " +
	"there holds the product's lock for the whole TTL and every other call on it waits. Schedule the expiry with a delayed " +
	"call, restate.ObjectSend(...).Send(req, restate.WithDelay(ttl)), or sleep in a handler of a separate plain service"

func withTTL(req ex3.ReservationRequest, ttl time.Duration) ex3.ReservationRequest {
	req.TTLMillis = int(ttl / time.Millisecond)
	return req
}

func roundMS(d time.Duration) time.Duration { return d.Round(time.Millisecond) }

// reserveTimed makes t's reservation and notes when; an answer that is already expired
// is judged by the TTL.
func reserveTimed(ctx context.Context, env *grader.Env, key string, t *timed) error {
	sent := fmt.Sprintf("ReserveStock %s {reservationId:%q quantity:%d ttlMillis:%d}", key, t.req.ReservationID, t.req.Quantity, t.req.TTLMillis)
	env.Step("%s (%s)", sent, t.label)
	t.sent = time.Now()
	got, err := reserve(ctx, env, key, t.req)
	t.answered = time.Now()
	if err != nil {
		return env.Unexpected(sent, "an active reservation", err)
	}
	t.r = got
	if got.Status == ex3.StatusExpired {
		if err := t.judgeExpired(sent, t.answered); err != nil {
			return err
		}
		t.r = withStatus(got, ex3.StatusActive) // as it was made
		return nil
	}
	if d := checkNew(key, t.req, got); d != "" {
		return grader.Fail(sent, "an active reservation of the requested quantity", "%s: %s", describeReservation(got), d)
	}
	return nil
}

// judgeExpired judges a read that ended at end and saw t expired: a failure when the
// TTL had not run out by then.
func (t *timed) judgeExpired(sent string, end time.Time) error {
	if end.Add(earlySlack).Before(t.due()) {
		return grader.Fail(sent, fmt.Sprintf("%s still active until its TTL of %s has run out", t.name(), t.ttl()),
			"it had already expired %s after ReserveStock was sent, %s before its TTL ran out", roundMS(end.Sub(t.sent)), roundMS(t.due().Sub(end))).
			WithHint("ttlMillis is in milliseconds: the delay is time.Duration(req.TTLMillis) * time.Millisecond " +
				"(time.Duration(req.TTLMillis) alone is nanoseconds, so the reservation expires at once)")
	}
	t.expired = true
	return nil
}

// reserveAndRelease makes B with a TTL and releases it at once, long before the TTL
// runs out. When the TTL ran out before the release answered, it tries again with a
// longer TTL; when that runs out too, the product kept the calls waiting. The B it
// returns was released in time; late are the ones that were not, as they ended.
func reserveAndRelease(ctx context.Context, env *grader.Env, key string, q int) (*timed, []ex3.Reservation, error) {
	var late []ex3.Reservation
	var took []string
	for _, ttl := range []time.Duration{longTTL, retryTTL} {
		b := &timed{label: "B", req: withTTL(reservationRequest(key, newReservationID(env.Rand), q), ttl)}
		if err := reserveTimed(ctx, env, key, b); err != nil {
			return nil, nil, err
		}
		ended, durations, err := releaseBeforeTTL(ctx, env, key, b)
		if err != nil {
			return nil, nil, err
		}
		if ended == nil {
			return b, late, nil
		}
		late = append(late, *ended)
		took = append(took, fmt.Sprintf("with ttlMillis %d: %s", b.req.TTLMillis, durations))
		env.Step("B's TTL of %s ran out before its release answered; B again with a TTL of %s", ttl, retryTTL)
	}
	return nil, nil, grader.Fail(fmt.Sprintf("ReserveStock %s with a TTL, then GetReservation and ReleaseReservation right away, twice", key),
		"the release answers long before the TTL runs out (the calls themselves take milliseconds)",
		"%s: both times the TTL ran out before the release answered", strings.Join(took, "; ")).
		WithHint(blockingHint)
}

// releaseBeforeTTL checks that B is still active, then releases it. It returns nil when
// the release answered before B's TTL ran out, else B as it ended and how long each
// call took.
func releaseBeforeTTL(ctx context.Context, env *grader.Env, key string, b *timed) (*ex3.Reservation, string, error) {
	sent := fmt.Sprintf("GetReservation %s {reservationId:%q} right after ReserveStock with ttlMillis %d answered", key, b.r.ReservationID, b.req.TTLMillis)
	env.Step("GetReservation %s %s (B)", key, b.r.ReservationID)
	getSent := time.Now()
	got, err := getReservation(ctx, env, key, b.r.ReservationID)
	getEnd := time.Now()
	if err != nil {
		return nil, "", env.Unexpected(sent, "the active reservation", err)
	}
	if got.Status == ex3.StatusExpired {
		if err := b.judgeExpired(sent, getEnd); err != nil {
			return nil, "", err
		}
	} else if d := diffReservation(b.r, got); d != "" {
		return nil, "", grader.Fail(sent, "the active reservation: "+describeReservation(b.r), "%s: %s", describeReservation(got), d)
	}

	sent = fmt.Sprintf("ReleaseReservation %s {reservationId:%q} right after reserving it with ttlMillis %d", key, b.r.ReservationID, b.req.TTLMillis)
	env.Step("%s (B)", sent)
	relSent := time.Now()
	released, err := release(ctx, env, key, b.r.ReservationID)
	relEnd := time.Now()
	if grader.IsHarness(err) {
		return nil, "", err
	}
	if !relEnd.Before(b.due()) {
		durations := fmt.Sprintf("ReserveStock took %s, GetReservation %s, ReleaseReservation %s",
			roundMS(b.answered.Sub(b.sent)), roundMS(getEnd.Sub(getSent)), roundMS(relEnd.Sub(relSent)))
		// Too late to judge the release; B ended one way or the other, and is read back
		// with the others once nothing is pending.
		ended := withStatus(b.r, ex3.StatusExpired)
		if err == nil && released.Status == ex3.StatusReleased {
			ended = released
		}
		return &ended, durations, nil
	}
	if err != nil {
		return nil, "", env.Unexpected(sent, "the released reservation", err)
	}
	if released.Status == ex3.StatusExpired {
		if err := b.judgeExpired(sent, relEnd); err != nil {
			return nil, "", err
		}
	}
	if d := diffReservation(withStatus(b.r, ex3.StatusReleased), released); d != "" {
		return nil, "", grader.Fail(sent, "the reservation with status \"released\"", "%s: %s", describeReservation(released), d)
	}
	return nil, "", nil
}

// expiryWatch reads the product's reservations and stock until every pending
// reservation has expired and a given moment has passed, and judges every reading.
type expiryWatch struct {
	env     *grader.Env
	key     string
	stock   int             // restocked
	c       ex3.Reservation // no TTL: active all along
	b       ex3.Reservation // released: released all along
	pending []*timed        // to expire
	slowest time.Duration   // the slowest read so far
}

// seen notes how long a read took.
func (w *expiryWatch) seen(d time.Duration) { w.slowest = max(w.slowest, d) }

// grace is how long after its TTL an expiry may take: expiryGrace, more when the
// grader's own reads were slow.
func (w *expiryWatch) grace() time.Duration {
	return expiryGrace + min(graceFactor*w.slowest, maxExtraGrace)
}

func (w *expiryWatch) graceText() string {
	g := roundMS(w.grace())
	if g <= expiryGrace {
		return g.String()
	}
	return fmt.Sprintf("%s (%s, and %d times the slowest read the grader saw, %s, on this loaded machine)", g, expiryGrace, graceFactor, roundMS(w.slowest))
}

func (w *expiryWatch) run(ctx context.Context, until time.Time) error {
	for {
		done := time.Now().After(until)
		for _, t := range w.pending {
			if err := w.readTimed(ctx, t); err != nil {
				return err
			}
			done = done && t.expired
		}
		if err := w.readSteady(ctx); err != nil {
			return err
		}
		if done {
			return nil
		}
		select {
		case <-ctx.Done():
			return ctx.Err()
		case <-time.After(pollEvery):
		}
	}
}

// readTimed reads t: active before its TTL, expired after, and never later than its deadline.
func (w *expiryWatch) readTimed(ctx context.Context, t *timed) error {
	if t.expired {
		return nil
	}
	sent := fmt.Sprintf("ReserveStock %s {reservationId:%q quantity:%d ttlMillis:%d}, then nothing but reads (GetReservation %s)",
		w.key, t.r.ReservationID, t.req.Quantity, t.req.TTLMillis, t.r.ReservationID)
	start := time.Now()
	got, err := getReservation(ctx, w.env, w.key, t.r.ReservationID)
	end := time.Now()
	w.seen(end.Sub(start))
	if err != nil {
		return w.env.Unexpected(sent, "the reservation, active until its TTL runs out, then expired", err)
	}
	switch got.Status {
	case ex3.StatusExpired:
		if err := t.judgeExpired(sent, end); err != nil {
			return err
		}
		if d := diffReservation(withStatus(t.r, ex3.StatusExpired), got); d != "" {
			return grader.Fail(sent, "the reservation with status \"expired\", otherwise unchanged", "%s: %s", describeReservation(got), d)
		}
		return nil
	case ex3.StatusActive:
		if d := diffReservation(t.r, got); d != "" {
			return grader.Fail(sent, "the reservation as it was made: "+describeReservation(t.r), "%s: %s", describeReservation(got), d)
		}
		if start.After(t.deadline(w.grace())) {
			return grader.Fail(sent, fmt.Sprintf("within %s after its TTL of %s, status \"expired\" and its %d units available again", w.graceText(), t.ttl(), t.r.Quantity),
				"%s %s after the reservation was made: it never expired%s", describeReservation(got), roundMS(start.Sub(t.sent)),
				stockNote(ctx, w.env, w.key, level{available: w.stock - w.c.Quantity, reserved: w.c.Quantity})).
				WithHint("every reservation with ttlMillis > 0 (1 included) expires: schedule its expiry with a delayed call " +
					"of time.Duration(req.TTLMillis) * time.Millisecond, and check that the expiry runs (a plain error there is retried, not run)")
		}
		return nil
	default:
		return grader.Fail(sent, "status \"active\" until its TTL runs out, then \"expired\"", "%s", describeReservation(got))
	}
}

// readSteady reads what must not change while A, D and E expire: C stays active (it has
// no TTL), B stays released, and the stock adds up, with C's units reserved all along.
func (w *expiryWatch) readSteady(ctx context.Context) error {
	for _, r := range []ex3.Reservation{w.c, w.b} {
		sent := fmt.Sprintf("GetReservation %s {reservationId:%q} while the reservations with a TTL expire", w.key, r.ReservationID)
		start := time.Now()
		got, err := getReservation(ctx, w.env, w.key, r.ReservationID)
		w.seen(time.Since(start))
		if err != nil {
			return w.env.Unexpected(sent, describeReservation(r), err)
		}
		if d := diffReservation(r, got); d != "" {
			f := grader.Fail(sent, describeReservation(r), "%s: %s", describeReservation(got), d)
			if r.Status == ex3.StatusActive {
				return f.WithHint("a reservation made without ttlMillis (or with 0) never expires: schedule an expiry only when ttlMillis > 0")
			}
			return f.WithHint("an expiry changes a reservation only while it is active: " + r.ReservationID + " was released before its TTL ran out")
		}
	}
	sent := fmt.Sprintf("GetStockLevel %s while the reservations with a TTL expire (restocked %d; %d units held by %s, which has no TTL)",
		w.key, w.stock, w.c.Quantity, w.c.ReservationID)
	start := time.Now()
	s, err := getStock(ctx, w.env, w.key)
	w.seen(time.Since(start))
	if err != nil {
		return w.env.Unexpected(sent, "the stock level", err)
	}
	var d grader.Diff
	if s.TotalStock != s.AvailableStock+s.ReservedStock {
		d.Note("totalStock is not availableStock + reservedStock")
	}
	if s.AvailableStock+s.ReservedStock != w.stock {
		d.Note("availableStock + reservedStock is %d, not the %d restocked", s.AvailableStock+s.ReservedStock, w.stock)
	}
	if s.ReservedStock < w.c.Quantity {
		d.Note("reservedStock %d is less than the %d units %s still holds", s.ReservedStock, w.c.Quantity, w.c.ReservationID)
	}
	if !d.Empty() {
		return grader.Fail(sent, fmt.Sprintf("totalStock %d = availableStock + reservedStock, with at least %d reserved", w.stock, w.c.Quantity),
			"%s: %s", describeStock(s), &d).
			WithHint("an expiry gives back the reservation's own quantity, once, and only while it is still active")
	}
	return nil
}

// waitSettled waits until Restate has no unfinished invocation on the product, nor one
// that the product's invocations started (a timer service of the learner's, say), or
// until the deadline. It returns what was still pending then ("" when nothing).
func waitSettled(ctx context.Context, env *grader.Env, key string, deadline time.Time) (string, error) {
	q := fmt.Sprintf(`SELECT id, target, status FROM sys_invocation WHERE status != 'completed' AND (
		(target_service_name = '%[1]s' AND target_service_key = '%[2]s') OR invoked_by_target LIKE '%[1]s/%[2]s/%%')`,
		ex3.ServiceName, key)
	var rows []struct {
		ID     string `json:"id"`
		Target string `json:"target"`
		Status string `json:"status"`
	}
	for {
		rows = rows[:0]
		if err := env.Admin.Query(ctx, q, &rows); err != nil {
			return "", err
		}
		if len(rows) == 0 {
			return "", nil
		}
		if time.Now().After(deadline) {
			var s []string
			for _, r := range rows {
				s = append(s, fmt.Sprintf("%s (%s, %s)", r.Target, r.Status, r.ID))
			}
			return strings.Join(s, "; "), nil
		}
		select {
		case <-ctx.Done():
			return "", ctx.Err()
		case <-time.After(25 * time.Millisecond):
		}
	}
}

// withHint sets the hint of a Failure and passes anything else through.
func withHint(err error, hint string) error {
	var f *grader.Failure
	if errors.As(err, &f) {
		f.WithHint(hint)
	}
	return err
}
