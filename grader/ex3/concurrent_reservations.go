package ex3

import (
	"context"
	"fmt"

	"idempotency/contract/ex3"
	"idempotency/grader"
)

const (
	burstStock     = 30 // units on hand
	burstSize      = 50 // concurrent single-unit reservations
	sameIDRequests = 8  // concurrent reservations under one ID
	sameIDSameBody = 5  // of which this many share one body
)

func concurrentReservations() grader.Scenario {
	return grader.Scenario{
		ID:     "concurrent-reservations",
		Title:  "Concurrent reservations handled correctly",
		Points: 25,
		Needs:  needs(ex3.Restock, ex3.ReserveStock, ex3.GetStockLevel, ex3.GetReservation),
		Hint: "keep ReserveStock an exclusive handler (restate.ObjectContext) and do the whole check-then-reserve on Restate " +
			"state in it: Restate then runs one reservation per product at a time, so stock is never oversold and a " +
			"duplicate always finds the first reservation",
		Timeout: readBackTimeout,
		Run:     runConcurrentReservations,
	}
}

func runConcurrentReservations(ctx context.Context, env *grader.Env) error {
	if err := burst(ctx, env); err != nil {
		return err
	}
	return sameIDBurst(ctx, env)
}

// storedAfterBurst reads every reservation of a burst back: each success as it was
// answered, each refused ID a 404.
func storedAfterBurst(ctx context.Context, env *grader.Env, key, sent string, made []ex3.Reservation, refused []string) error {
	env.Step("GetReservation of each of the %d reservations made and the %d refused", len(made), len(refused))
	got := make([]ex3.Reservation, len(made)+len(refused))
	errs := make([]error, len(got))
	err := grader.Concurrently(ctx, len(got), func(ctx context.Context, i int) error {
		id := ""
		if i < len(made) {
			id = made[i].ReservationID
		} else {
			id = refused[i-len(made)]
		}
		got[i], errs[i] = getReservation(ctx, env, key, id)
		return errs[i]
	})
	if grader.IsHarness(err) {
		return err // before any answer is judged
	}
	for i, r := range made {
		if errs[i] != nil {
			return env.Unexpected(sent+", then GetReservation "+r.ReservationID, describeReservation(r), errs[i])
		}
		if d := diffReservation(r, got[i]); d != "" {
			return grader.Fail(sent+", then GetReservation "+r.ReservationID, "the reservation as ReserveStock answered it: "+describeReservation(r),
				"%s: %s", describeReservation(got[i]), d).
				WithHint("every accepted reservation must be stored under its own reservationId, as it was answered")
		}
	}
	for j, id := range refused {
		i := len(made) + j
		if grader.Code(errs[i]) != 404 {
			return withHint(unexpectedCode(env, sent+", then GetReservation "+id+" (its ReserveStock was refused with 409)",
				"a terminal 404: a refused reservation does not exist", shownReservation(got[i]), errs[i]),
				"a reservation refused with 409 must leave nothing behind: check the stock before you restate.Set anything")
		}
	}
	return nil
}

// burst sends burstSize single-unit reservations at once against burstStock units, while
// reading the stock level the whole time.
func burst(ctx context.Context, env *grader.Env) error {
	key, err := stockUp(ctx, env, burstStock)
	if err != nil {
		return err
	}
	reqs := make([]ex3.ReservationRequest, burstSize)
	for i := range reqs {
		reqs[i] = reservationRequest(key, newReservationID(env.Rand), 1)
	}
	sent := fmt.Sprintf("%d concurrent ReserveStock calls on %s, 1 unit each, distinct reservationIds, against %d units",
		burstSize, key, burstStock)
	env.Step("%s, reading GetStockLevel throughout", sent)

	got := make([]ex3.Reservation, len(reqs))
	errs := make([]error, len(reqs))
	var watch stockWatch
	err = grader.PollDuring(ctx, func(ctx context.Context) error {
		return grader.Concurrently(ctx, len(reqs), func(ctx context.Context, i int) error {
			got[i], errs[i] = reserve(ctx, env, key, reqs[i])
			if grader.IsHarness(errs[i]) {
				return errs[i]
			}
			return nil // an answer, judged below: a 409 is one of the expected ones
		})
	}, func(ctx context.Context) error { return watch.read(ctx, env, key) })
	if err != nil {
		return err // a harness error, or GetStockLevel's wrong answer during the burst
	}

	var active int
	var made []ex3.Reservation
	var refused []string
	for i, err := range errs {
		switch {
		case grader.IsHarness(err):
			return err
		case grader.Code(err) == 409:
			refused = append(refused, reqs[i].ReservationID)
		case err != nil:
			return env.Unexpected(sent, "each call either reserves 1 unit or is refused with a terminal 409", err)
		default:
			if d := checkNew(key, reqs[i], got[i]); d != "" {
				return grader.Fail(sent, "each successful call returns its own active 1-unit reservation",
					"call for %s returned %s: %s", reqs[i].ReservationID, describeReservation(got[i]), d)
			}
			active++
			made = append(made, got[i])
		}
	}
	if active != burstStock || len(refused) != burstSize-burstStock {
		f := grader.Fail(sent, fmt.Sprintf("exactly %d active reservations and %d refused with 409", burstStock, burstSize-burstStock),
			"%d succeeded and %d were refused%s", active, len(refused), stockNote(ctx, env, key, level{available: 0, reserved: burstStock}))
		if active < burstStock {
			f.WithHint("a reservation of 1 unit fits as long as availableStock is at least 1: refuse only when the quantity is more than availableStock")
		}
		return f
	}
	if watch.negative != "" {
		return grader.Fail(sent, "the stock never goes below zero", "GetStockLevel during the burst returned %s", watch.negative).
			WithHint("check availableStock against the requested quantity before reserving, in the same exclusive handler that writes it")
	}
	// How many readings land inside the burst depends on scheduling, so it is neither
	// judged nor printed (a report must not change between runs with one seed): the counts
	// above and the final level carry the verdict.
	env.Step("GetStockLevel never below zero during the burst")
	final := level{available: 0, reserved: burstStock}
	if err := expectStock(ctx, env, key, final, sent); err != nil {
		return withChanged(ctx, env, key, err, made...)
	}
	id, err := heldRefusal(ctx, env, key, final)
	if err != nil {
		return err
	}
	refused = append(refused, id)
	if err := storedAfterBurst(ctx, env, key, sent, made, refused); err != nil {
		return err
	}
	readBack(env, key, fmt.Sprintf("the %d reservations of the burst and the stock", burstStock), final, made, refused)
	return nil
}

// stockWatch keeps the first reading of the stock level below zero.
type stockWatch struct {
	reads    int
	negative string
}

// read reads the stock level once; an error answer is a Failure, a harness error passes.
func (w *stockWatch) read(ctx context.Context, env *grader.Env, key string) error {
	s, err := getStock(ctx, env, key)
	if err != nil {
		return env.Unexpected("GetStockLevel "+key+" during a burst of reservations", "the current stock level", err)
	}
	w.reads++
	if w.negative == "" && (s.AvailableStock < 0 || s.ReservedStock < 0 || s.TotalStock < 0) {
		w.negative = describeStock(s)
	}
	return nil
}

// sameIDBurst sends sameIDRequests reservations with one reservation ID at once, most
// with one body and some with other quantities: one reservation must come of it.
func sameIDBurst(ctx context.Context, env *grader.Env) error {
	stock := between(env.Rand, 20, 30)
	key, err := stockUp(ctx, env, stock)
	if err != nil {
		return err
	}
	id := newReservationID(env.Rand)
	q := between(env.Rand, 2, 5)
	reqs := make([]ex3.ReservationRequest, sameIDRequests)
	for i := range reqs {
		reqs[i] = reservationRequest(key, id, q)
		if i >= sameIDSameBody {
			reqs[i].Quantity = otherQuantity(env.Rand, q, 6)
		}
	}
	sent := fmt.Sprintf("%d concurrent ReserveStock calls on %s with the same reservationId %q (%d with quantity %d, the others with other quantities), against %d units",
		sameIDRequests, key, id, sameIDSameBody, q, stock)
	env.Step("%s", sent)
	got := make([]ex3.Reservation, len(reqs))
	errs := make([]error, len(reqs))
	err = grader.Concurrently(ctx, len(reqs), func(ctx context.Context, i int) error {
		got[i], errs[i] = reserve(ctx, env, key, reqs[i])
		return errs[i]
	})
	if grader.IsHarness(err) {
		return err // before any answer is judged
	}

	// The reservation is whatever the first call Restate ran made; every success returns it.
	var winner *ex3.Reservation
	for i, err := range errs {
		switch {
		case grader.IsHarness(err):
			return err
		case err == nil:
			if winner == nil {
				winner = &got[i]
			}
			if d := diffReservation(*winner, got[i]); d != "" {
				return grader.Fail(sent, "every successful call returns the same reservation",
					"two calls returned different reservations: %s and %s (%s)%s", describeReservation(*winner), describeReservation(got[i]), d,
					stockNote(ctx, env, key, level{available: stock - winner.Quantity, reserved: winner.Quantity})).
					WithHint("a reservationId that is already stored must return the stored reservation: " + id + " was reserved more than once")
			}
		}
	}
	if winner == nil {
		return env.Unexpected(sent, "one active reservation, returned to every call", errs[0])
	}
	if d := checkNew(key, reservationRequest(key, id, winner.Quantity), *winner); d != "" {
		return grader.Fail(sent, "one active reservation", "%s: %s", describeReservation(*winner), d)
	}
	for i, err := range errs {
		// A 409 is acceptable only for a call whose quantity conflicts with the reservation.
		if err != nil && (grader.Code(err) != 409 || reqs[i].Quantity == winner.Quantity) {
			return env.Unexpected(fmt.Sprintf("%s; this call asked for quantity %d", sent, reqs[i].Quantity),
				"the reservation "+describeReservation(*winner), err)
		}
	}
	want := level{available: stock - winner.Quantity, reserved: winner.Quantity}
	if err := expectStock(ctx, env, key, want, sent); err != nil {
		return withHint(err, fmt.Sprintf("one reservationId is one reservation: the %d calls for %s must reserve %d units once", sameIDRequests, id, winner.Quantity))
	}
	env.Step("GetReservation %s %s", key, id)
	if err := expectReservation(ctx, env, key, *winner, sent); err != nil {
		return err
	}
	readBack(env, key, "the reservation of the same-ID burst and the stock", want, []ex3.Reservation{*winner}, nil)
	return nil
}
