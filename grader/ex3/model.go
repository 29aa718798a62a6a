package ex3

import (
	"context"
	"fmt"
	"math/rand/v2"
	"slices"
	"strings"

	"idempotency/contract/ex3"
	"idempotency/grader"
)

// op is one kind of step in the model-checked sequence.
type op int

const (
	opRestock                op = iota // a new restock (the first one: a single unit)
	opRestockAgain                     // a restock ID already applied, same body (the first one: the oldest)
	opRestockAgainOther                // a restock ID already applied, another quantity
	opReserve                          // a new reservation that fits
	opReserveExact                     // a new reservation of exactly what is available
	opReserveTooMuch                   // a new reservation beyond what is available: 409 (the first one: one unit more)
	opReserveAgain                     // an active reservation's ID, same body (the first one: the oldest)
	opReserveAgainOther                // an active reservation's ID, another quantity
	opReserveAgainEnded                // a released reservation's ID, same body
	opReserveAgainEndedOther           // a released reservation's ID, another quantity
	opRelease                          // an active reservation
	opReleaseAgain                     // a released reservation (the first one: the oldest)
	opReleaseUnknown                   // an ID never used
	opReleaseRefused                   // an ID whose reservation was refused with 409
)

// plan is how many steps of each kind a sequence has, so that every kind, each special
// case of the README among them, is checked whatever the seed; the order is the seed's.
var plan = []struct {
	op op
	n  int
}{
	{opRestock, 3}, {opRestockAgain, 1}, {opRestockAgainOther, 1},
	{opReserve, 10}, {opReserveExact, 1}, {opReserveTooMuch, 2},
	{opReserveAgain, 2}, {opReserveAgainOther, 1}, {opReserveAgainEnded, 1}, {opReserveAgainEndedOther, 1},
	{opRelease, 5}, {opReleaseAgain, 3}, {opReleaseUnknown, 1}, {opReleaseRefused, 2},
}

func planned() []op {
	var ops []op
	for _, p := range plan {
		for range p.n {
			ops = append(ops, p.op)
		}
	}
	return ops
}

// model is what the product's stock and reservations must be after the steps so far.
type model struct {
	key          string
	calls        inventory // how the steps reach the product
	stock        level
	restocks     map[string]int // restock ID -> quantity
	restockIDs   []string
	reservations map[string]ex3.Reservation // as the submission first returned them, with the status they must have now
	active       []string                   // in the order they were made
	ended        []string                   // in the order they were released
	refused      []string
	taken        map[op]int // steps of each kind built so far
}

func newModel(key string, calls inventory) *model {
	return &model{key: key, calls: calls, restocks: map[string]int{}, reservations: map[string]ex3.Reservation{}, taken: map[op]int{}}
}

// inventory is what the model's steps call: the submission, through Restate's ingress,
// when grading; a fake in the unit tests of the model.
type inventory interface {
	restock(ctx context.Context, key string, req ex3.RestockRequest) (ex3.StockLevel, error)
	reserve(ctx context.Context, key string, req ex3.ReservationRequest) (ex3.Reservation, error)
	release(ctx context.Context, key, id string) (ex3.Reservation, error)
}

// submission is the inventory of the graded service.
type submission struct{ env *grader.Env }

func (s submission) restock(ctx context.Context, key string, req ex3.RestockRequest) (ex3.StockLevel, error) {
	return restock(ctx, s.env, key, req)
}

func (s submission) reserve(ctx context.Context, key string, req ex3.ReservationRequest) (ex3.Reservation, error) {
	return reserve(ctx, s.env, key, req)
}

func (s submission) release(ctx context.Context, key, id string) (ex3.Reservation, error) {
	return release(ctx, s.env, key, id)
}

// feasible reports whether a step of kind o can be taken now.
func (m *model) feasible(o op) bool {
	switch o {
	case opRestockAgain, opRestockAgainOther:
		return len(m.restockIDs) > 0
	case opReserve, opReserveExact:
		return m.stock.available > 0
	case opReserveAgain, opRelease:
		// The first of each repeats or releases the oldest active reservation while a
		// newer one exists, so that a service keeping only its latest one shows.
		if m.taken[o] == 0 {
			return len(m.active) >= 2
		}
		return len(m.active) > 0
	case opReserveAgainOther:
		return len(m.active) > 0
	case opReleaseAgain, opReserveAgainEnded, opReserveAgainEndedOther:
		return len(m.ended) > 0
	case opReleaseRefused:
		return len(m.refused) > 0
	}
	return true
}

// pick chooses the next step among the planned kinds that are feasible now, removes it
// from ops, and falls back to a restock or a reservation when none is.
func (m *model) pick(r *rand.Rand, ops []op) (op, []op) {
	var can []int
	for i, o := range ops {
		if m.feasible(o) {
			can = append(can, i)
		}
	}
	if len(can) == 0 {
		if m.stock.available == 0 {
			return opRestock, ops
		}
		return opReserve, ops
	}
	i := can[r.IntN(len(can))]
	o := ops[i]
	return o, slices.Delete(ops, i, i+1)
}

func pickID(r *rand.Rand, ids []string) string { return ids[r.IntN(len(ids))] }

func without(ids []string, id string) []string {
	return slices.DeleteFunc(slices.Clone(ids), func(s string) bool { return s == id })
}

// history keeps the last steps for evidence.
type history struct{ steps []string }

func (h *history) add(s string) { h.steps = append(h.steps, s) }

func (h *history) String() string {
	const show = 6
	from := max(0, len(h.steps)-show)
	var b strings.Builder
	if from > 0 {
		fmt.Fprintf(&b, "(%d earlier steps)\n", from)
	}
	for _, s := range h.steps[from:] {
		b.WriteString(s + "\n")
	}
	return strings.TrimRight(b.String(), "\n")
}
