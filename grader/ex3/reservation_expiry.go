package ex3

import (
	"context"
	"errors"
	"fmt"
	"time"

	"idempotency/contract/ex3"
	"idempotency/grader"
)

const (
	shortTTL = 300 * time.Millisecond  // the reservation left to expire
	longTTL  = 1200 * time.Millisecond // the reservation released before it can expire
	// expiryGrace is how long after its TTL an expiry may take on a loaded machine.
	expiryGrace = 5 * time.Second
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
		Run: runReservationExpiry,
	}
}

func runReservationExpiry(ctx context.Context, env *grader.Env) error {
	stock := between(env.Rand, 20, 40)
	key, err := stockUp(ctx, env, stock)
	if err != nil {
		return err
	}
	full := level{available: stock}

	reqA := withTTL(reservationRequest(key, newReservationID(env.Rand), between(env.Rand, 2, 6)), shortTTL)
	a, madeA, err := reserveWithTTL(ctx, env, key, reqA)
	if err != nil {
		return err
	}
	reqB := withTTL(reservationRequest(key, newReservationID(env.Rand), between(env.Rand, 2, 6)), longTTL)
	b, madeB, err := reserveWithTTL(ctx, env, key, reqB)
	if err != nil {
		return err
	}
	sent := fmt.Sprintf("ReleaseReservation %s {reservationId:%q} right after reserving it with ttlMillis %d", key, b.ReservationID, reqB.TTLMillis)
	env.Step("%s", sent)
	released, err := release(ctx, env, key, b.ReservationID)
	if err != nil {
		return env.Unexpected(sent, "the released reservation", err)
	}
	if released.Status == ex3.StatusExpired && time.Since(madeB) >= longTTL {
		return fmt.Errorf("reservation %s expired (TTL %s) before the grader could release it: the machine is too slow for this scenario", b.ReservationID, longTTL)
	}
	if d := diffReservation(withStatus(b, ex3.StatusReleased), released); d != "" {
		return grader.Fail(sent, "the reservation with status \"released\"", "%s: %s", describeReservation(released), d)
	}

	// A expires on its own: its units come back, once.
	sent = fmt.Sprintf("ReserveStock %s {reservationId:%q quantity:%d ttlMillis:%d}, then nothing but GetStockLevel", key, a.ReservationID, a.Quantity, reqA.TTLMillis)
	env.Step("wait for %s to expire (TTL %s)", a.ReservationID, shortTTL)
	last, expired, err := waitStock(ctx, env, key, shortTTL+expiryGrace, func(s ex3.StockLevel) bool { return s.ReservedStock <= 0 })
	if err != nil {
		return err
	}
	if !expired {
		return grader.Fail(sent, fmt.Sprintf("within %s the reservation expires and its %d units are available again: %s", shortTTL, a.Quantity, full),
			"%s %s after the reservation was made: it never expired", describeStock(last), time.Since(madeA).Round(100*time.Millisecond))
	}
	if d := diffStock(full, last); d != "" {
		return grader.Fail(sent+", until reservedStock reached 0", full.String(), "%s: %s", describeStock(last), d).
			WithHint("an expiry gives back the reservation's own quantity, once")
	}
	env.Step("GetReservation %s", a.ReservationID)
	if err := expectReservation(ctx, env, key, withStatus(a, ex3.StatusExpired), sent+", after it expired"); err != nil {
		return err
	}

	// Releasing after the expiry gives nothing back.
	sent = fmt.Sprintf("ReleaseReservation %s {reservationId:%q} after it expired", key, a.ReservationID)
	env.Step("%s", sent)
	got, err := release(ctx, env, key, a.ReservationID)
	if grader.IsHarness(err) {
		return err
	}
	// The stock first: a second give-back is the finding that matters most.
	if err := expectStock(ctx, env, key, full, sent); err != nil {
		return withHint(err, fmt.Sprintf("%s had already expired and given its %d units back: a release must only give back an active reservation's units", a.ReservationID, a.Quantity))
	}
	switch {
	case err == nil:
		if d := diffReservation(withStatus(a, ex3.StatusExpired), got); d != "" {
			return grader.Fail(sent, "the expired reservation, unchanged (or a terminal 409)", "%s: %s", describeReservation(got), d).
				WithHint("a release of a reservation that has expired leaves it as it is: status \"expired\"")
		}
	case grader.Code(err) != 409:
		return env.Unexpected(sent, "the expired reservation, unchanged (or a terminal 409)", err)
	}

	// B's expiry comes after B was released: it must give nothing back.
	env.Step("wait until %s's TTL (%s) has passed and nothing is pending on %s", b.ReservationID, longTTL, key)
	settled, err := waitSettled(ctx, env, key, madeB.Add(longTTL), longTTL+expiryGrace)
	if err != nil {
		return err
	}
	sent = fmt.Sprintf("ReserveStock %s {reservationId:%q quantity:%d ttlMillis:%d}, ReleaseReservation right after, then its TTL ran out", key, b.ReservationID, b.Quantity, reqB.TTLMillis)
	if !settled {
		env.Step("(work on %s was still pending %s after the TTL; checked the stock anyway)", key, expiryGrace)
	}
	if err := expectStock(ctx, env, key, full, sent); err != nil {
		return withHint(err, fmt.Sprintf("the expiry of %s ran after it had been released and gave its %d units back a second time: "+
			"the expiry must check the stored status and only expire an active reservation", b.ReservationID, b.Quantity))
	}
	env.Step("GetReservation %s", b.ReservationID)
	return expectReservation(ctx, env, key, withStatus(b, ex3.StatusReleased), sent)
}

func withTTL(req ex3.ReservationRequest, ttl time.Duration) ex3.ReservationRequest {
	req.TTLMillis = int(ttl / time.Millisecond)
	return req
}

// reserveWithTTL reserves, checks the answer, and says when the reservation was made.
func reserveWithTTL(ctx context.Context, env *grader.Env, key string, req ex3.ReservationRequest) (ex3.Reservation, time.Time, error) {
	sent := fmt.Sprintf("ReserveStock %s {reservationId:%q quantity:%d ttlMillis:%d}", key, req.ReservationID, req.Quantity, req.TTLMillis)
	env.Step("%s", sent)
	start := time.Now()
	got, err := reserve(ctx, env, key, req)
	if err != nil {
		return got, start, env.Unexpected(sent, "an active reservation", err)
	}
	if d := checkNew(key, req, got); d != "" && got.Status != ex3.StatusExpired {
		return got, start, grader.Fail(sent, "an active reservation of the requested quantity", "%s: %s", describeReservation(got), d)
	}
	return got, start, nil
}

// waitStock polls GetStockLevel until done holds or within has passed, and returns the
// last level read and whether done held.
func waitStock(ctx context.Context, env *grader.Env, key string, within time.Duration, done func(ex3.StockLevel) bool) (ex3.StockLevel, bool, error) {
	var last ex3.StockLevel
	ok, err := poll(ctx, within, func() (bool, error) {
		s, err := getStock(ctx, env, key)
		if err != nil {
			return false, env.Unexpected("GetStockLevel "+key+" while waiting for a reservation to expire", "the stock level", err)
		}
		last = s
		return done(s), nil
	})
	return last, ok, err
}

// waitSettled waits until notBefore has passed and Restate has no unfinished invocation
// on the product, nor one that the product's invocations started (a timer service of the
// learner's, say). It reports false when that did not happen within the deadline.
func waitSettled(ctx context.Context, env *grader.Env, key string, notBefore time.Time, within time.Duration) (bool, error) {
	q := fmt.Sprintf(`SELECT id, status FROM sys_invocation WHERE status != 'completed' AND (
		(target_service_name = '%[1]s' AND target_service_key = '%[2]s') OR invoked_by_target LIKE '%[1]s/%[2]s/%%')`,
		ex3.ServiceName, key)
	return poll(ctx, within, func() (bool, error) {
		if time.Now().Before(notBefore) {
			return false, nil
		}
		var rows []struct {
			ID     string `json:"id"`
			Status string `json:"status"`
		}
		if err := env.Admin.Query(ctx, q, &rows); err != nil {
			return false, err
		}
		return len(rows) == 0, nil
	})
}

// poll checks cond every 25 ms until it holds or within has passed.
func poll(ctx context.Context, within time.Duration, cond func() (bool, error)) (bool, error) {
	deadline := time.Now().Add(within)
	for {
		ok, err := cond()
		if err != nil || ok {
			return ok, err
		}
		if time.Now().After(deadline) {
			return false, nil
		}
		select {
		case <-ctx.Done():
			return false, ctx.Err()
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
