package ex3

import (
	"context"
	"errors"
	"fmt"
	"math/rand/v2"

	"idempotency/contract/ex3"
	"idempotency/grader"
)

// step is one call of the sequence: what is sent, what must come back, and how the
// model changes when it does.
type step struct {
	handler  string
	sent     string // the call, as the learner reads it
	expected string // the answer the model demands
	hint     string // what to fix when this step goes wrong
	// do makes the call; it returns "" when the answer is right (and has updated the
	// model), what was observed when it is wrong, or a harness error.
	do func(ctx context.Context, env *grader.Env) (string, error)
}

// next builds the step of kind o from the model's current state. The first step of a
// kind that repeats something picks the oldest candidate, so that a service that
// remembers only its latest record shows whatever the seed; later ones pick by seed.
func (m *model) next(r *rand.Rand, o op) step {
	first := m.taken[o] == 0
	m.taken[o]++
	pick := func(ids []string) string {
		if first {
			return ids[0]
		}
		return pickID(r, ids)
	}
	switch o {
	case opRestock:
		req := ex3.RestockRequest{RestockID: newRestockID(r), Quantity: between(r, 5, 15)}
		if first {
			// The smallest restock there is: a single unit is a valid quantity.
			req.Quantity = 1
		}
		return m.restockStep(req, false)
	case opRestockAgain:
		id := pick(m.restockIDs)
		return m.restockStep(ex3.RestockRequest{RestockID: id, Quantity: m.restocks[id]}, true)
	case opRestockAgainOther:
		id := pickID(r, m.restockIDs)
		return m.restockStep(ex3.RestockRequest{RestockID: id, Quantity: otherQuantity(r, m.restocks[id], 15)}, true)
	case opReserve:
		req := reservationRequest(m.key, newReservationID(r), between(r, 1, min(6, m.stock.available)))
		return m.reserveStep(req, "")
	case opReserveExact:
		req := reservationRequest(m.key, newReservationID(r), m.stock.available)
		return m.reserveStep(req, "")
	case opReserveTooMuch:
		extra := 1
		if !first {
			extra = between(r, 1, 5)
		}
		req := reservationRequest(m.key, newReservationID(r), m.stock.available+extra)
		return m.reserveStep(req, "")
	case opReserveAgain:
		prev := m.reservations[pick(m.active)]
		return m.reserveStep(reservationRequest(m.key, prev.ReservationID, prev.Quantity), "a duplicate of an earlier reservation")
	case opReserveAgainOther:
		prev := m.reservations[pickID(r, m.active)]
		q := otherQuantity(r, prev.Quantity, 8)
		return m.reserveStep(reservationRequest(m.key, prev.ReservationID, q),
			fmt.Sprintf("a duplicate of an earlier reservation of %d units, with another quantity", prev.Quantity))
	case opReserveAgainEnded:
		prev := m.reservations[pickID(r, m.ended)]
		return m.reserveStep(reservationRequest(m.key, prev.ReservationID, prev.Quantity), "a late duplicate of a released reservation")
	case opReserveAgainEndedOther:
		prev := m.reservations[pickID(r, m.ended)]
		q := otherQuantity(r, prev.Quantity, 8)
		return m.reserveStep(reservationRequest(m.key, prev.ReservationID, q),
			fmt.Sprintf("a late duplicate of a released reservation of %d units, with another quantity", prev.Quantity))
	case opRelease:
		return m.releaseStep(pick(m.active), "")
	case opReleaseAgain:
		return m.releaseStep(pick(m.ended), "released before")
	case opReleaseUnknown:
		return m.releaseStep(newReservationID(r), "an ID never reserved")
	case opReleaseRefused:
		return m.releaseStep(pick(m.refused), "its ReserveStock was refused with 409")
	}
	panic(fmt.Sprintf("unknown op %d", o))
}

// reservationIDs lists known reservations: the active ones in the order they were
// made, then the released ones in the order they were released.
func (m *model) reservationIDs() []string {
	return append(append([]string(nil), m.active...), m.ended...)
}

func (m *model) restockStep(req ex3.RestockRequest, again bool) step {
	s := step{
		handler: ex3.Restock,
		sent:    fmt.Sprintf("Restock {restockId:%q quantity:%d}", req.RestockID, req.Quantity),
	}
	want := m.stock
	if again {
		if req.Quantity != m.restocks[req.RestockID] {
			s.sent += fmt.Sprintf(" (a restock ID applied before with quantity %d)", m.restocks[req.RestockID])
		} else {
			s.sent += " (a restock ID applied before)"
		}
		s.hint = "Restock must add stock once per restockId, whatever quantity a repeat carries: remember the applied IDs in Restate " +
			"state and return the current level for one seen before"
	} else {
		want.available += req.Quantity
		s.hint = "Restock adds its quantity to availableStock and returns the new level (TODO step 1)"
	}
	s.expected = "the stock level " + want.String()
	s.do = func(ctx context.Context, env *grader.Env) (string, error) {
		got, err := m.calls.restock(ctx, m.key, req)
		if err != nil {
			return describeErr(env, err)
		}
		if d := m.diffLevel(want, got); d != "" {
			return fmt.Sprintf("%s: %s", describeStock(got), d), nil
		}
		m.stock = want
		if !again {
			m.restocks[req.RestockID] = req.Quantity
			m.restockIDs = append(m.restockIDs, req.RestockID)
		}
		return "", nil
	}
	return s
}

func (m *model) reserveStep(req ex3.ReservationRequest, dup string) step {
	s := step{
		handler: ex3.ReserveStock,
		sent:    fmt.Sprintf("ReserveStock {reservationId:%q quantity:%d}", req.ReservationID, req.Quantity),
	}
	prev, known := m.reservations[req.ReservationID]
	switch {
	case known:
		s.sent += " (" + dup + ")"
		s.expected = "the stored reservation, unchanged: " + describeReservation(prev)
		if prev.Quantity != req.Quantity {
			s.expected += " (or a terminal 409), and no stock change"
		}
		s.hint = "a reservationId that is already stored, whatever its status, returns the stored reservation and changes no stock"
	case req.Quantity > m.stock.available:
		s.sent += fmt.Sprintf(" (more than the %d available)", m.stock.available)
		s.expected = "a terminal 409 (insufficient stock), and no change"
		s.hint = "refuse a reservation larger than availableStock with a terminal 409, before writing anything"
	default:
		s.expected = fmt.Sprintf("an active reservation of %d units", req.Quantity)
		s.hint = "an accepted reservation moves its quantity from availableStock to reservedStock"
	}
	s.do = func(ctx context.Context, env *grader.Env) (string, error) {
		got, err := m.calls.reserve(ctx, m.key, req)
		switch {
		case grader.IsHarness(err):
			return "", err
		case known:
			if err != nil && !(grader.Code(err) == 409 && prev.Quantity != req.Quantity) {
				return describeErr(env, err)
			}
			if err == nil {
				if d := diffReservation(prev, got); d != "" {
					return fmt.Sprintf("%s: %s", describeReservation(got), d), nil
				}
			}
		case req.Quantity > m.stock.available:
			if grader.Code(err) != 409 {
				return describeAnswer(env, shownReservation(got), err), nil
			}
			m.refused = append(m.refused, req.ReservationID)
		default:
			if err != nil {
				return describeErr(env, err)
			}
			if d := checkNew(m.key, req, got); d != "" {
				return fmt.Sprintf("%s: %s", describeReservation(got), d), nil
			}
			m.reservations[req.ReservationID] = got
			m.active = append(m.active, req.ReservationID)
			m.stock = m.stock.reserve(req.Quantity)
		}
		return "", nil
	}
	return s
}

func (m *model) releaseStep(id, what string) step {
	s := step{
		handler: ex3.ReleaseReservation,
		sent:    fmt.Sprintf("ReleaseReservation {reservationId:%q}", id),
	}
	if what != "" {
		s.sent += " (" + what + ")"
	}
	prev, known := m.reservations[id]
	switch {
	case !known:
		s.expected = "a terminal 404, and no change"
		s.hint = "releasing a reservation that does not exist (never made, or refused with 409) answers 404 and changes nothing; " +
			"a refused ReserveStock must not have stored anything"
	case prev.Status == ex3.StatusActive:
		s.expected = "the reservation with status \"released\": " + describeReservation(withStatus(prev, ex3.StatusReleased))
		s.hint = "releasing an active reservation gives its quantity back to availableStock and takes it off reservedStock, once; " +
			"every reservation stays stored under its own reservationId (older ones too), so that its release finds it"
	default:
		s.expected = "the released reservation, unchanged: " + describeReservation(prev) + ", and no stock change"
		s.hint = "releasing a reservation that is no longer active returns it as it is, without touching the stock"
	}
	s.do = func(ctx context.Context, env *grader.Env) (string, error) {
		got, err := m.calls.release(ctx, m.key, id)
		switch {
		case grader.IsHarness(err):
			return "", err
		case !known:
			if grader.Code(err) != 404 {
				return describeAnswer(env, shownReservation(got), err), nil
			}
		default:
			if err != nil {
				return describeErr(env, err)
			}
			want := prev
			if prev.Status == ex3.StatusActive {
				want = withStatus(prev, ex3.StatusReleased)
			}
			if d := diffReservation(want, got); d != "" {
				return fmt.Sprintf("%s: %s", describeReservation(got), d), nil
			}
			if prev.Status == ex3.StatusActive {
				m.stock = m.stock.free(prev.Quantity)
				m.reservations[id] = want
				m.active = without(m.active, id)
				m.ended = append(m.ended, id)
			}
		}
		return "", nil
	}
	return s
}

// diffLevel is diffStock plus the product ID, which this criterion checks too.
func (m *model) diffLevel(want level, got ex3.StockLevel) string {
	d := stockDiff(want, got)
	if got.ProductID != m.key {
		d.Note("productId %q, expected the object key %q", got.ProductID, m.key)
	}
	return d.String()
}

// describeErr turns a call's error into what was observed, or passes a harness error on.
func describeErr(env *grader.Env, err error) (string, error) {
	if grader.IsHarness(err) {
		return "", err
	}
	return describeAnswer(env, nil, err), nil
}

// describeAnswer says what a call answered: its error, or success with got.
func describeAnswer(env *grader.Env, got fmt.Stringer, err error) string {
	if err == nil {
		return fmt.Sprintf("success: %s", got)
	}
	var f *grader.Failure
	if errors.As(env.Unexpected("", "", err), &f) {
		return f.Observed
	}
	return err.Error()
}
