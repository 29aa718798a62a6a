package ex3

import (
	"context"
	"fmt"
	"math/rand/v2"
	"testing"
	"time"

	"idempotency/contract/ex3"
	"idempotency/grader"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// fakeInventory is one product kept in memory, by the README's rules unless a flaw
// is set: the model must accept it without a flaw and catch it with each one.
type fakeInventory struct {
	flaw     string
	stock    level
	restocks map[string]bool
	res      map[string]ex3.Reservation
	latest   string // the reservation a "latest only" flaw still knows
	made     int
}

func newFake(flaw string) *fakeInventory {
	return &fakeInventory{flaw: flaw, restocks: map[string]bool{}, res: map[string]ex3.Reservation{}}
}

func refused(code int) error {
	return &grader.CallError{Code: code, Message: fmt.Sprintf("refused with %d", code), FromHandler: true}
}

func (f *fakeInventory) level(key string) ex3.StockLevel {
	return ex3.StockLevel{ProductID: key, AvailableStock: f.stock.available, ReservedStock: f.stock.reserved,
		TotalStock: f.stock.available + f.stock.reserved}
}

func (f *fakeInventory) restock(_ context.Context, key string, req ex3.RestockRequest) (ex3.StockLevel, error) {
	if !f.restocks[req.RestockID] || f.flaw == "restock applied again" {
		f.restocks[req.RestockID] = true
		f.stock.available += req.Quantity
	}
	return f.level(key), nil
}

func (f *fakeInventory) lookup(id string) (ex3.Reservation, bool) {
	if f.flaw == "latest reservation only" && id != f.latest {
		return ex3.Reservation{}, false
	}
	r, ok := f.res[id]
	return r, ok
}

func (f *fakeInventory) reserve(_ context.Context, key string, req ex3.ReservationRequest) (ex3.Reservation, error) {
	if f.flaw == "stock checked before the ID" && req.Quantity > f.stock.available {
		return ex3.Reservation{}, refused(409)
	}
	if r, ok := f.lookup(req.ReservationID); ok {
		return r, nil
	}
	if req.Quantity > f.stock.available {
		if f.flaw == "refused reservation stored" {
			f.res[req.ReservationID] = ex3.Reservation{ReservationID: req.ReservationID, ProductID: key, Quantity: req.Quantity, Status: ex3.StatusReleased}
		}
		return ex3.Reservation{}, refused(409)
	}
	f.made++
	r := ex3.Reservation{ReservationID: req.ReservationID, ProductID: key, Quantity: req.Quantity, Status: ex3.StatusActive,
		CreatedAt: madeAt.Add(time.Duration(f.made) * time.Millisecond)}
	f.res[r.ReservationID], f.latest = r, r.ReservationID
	f.stock = f.stock.reserve(r.Quantity)
	return r, nil
}

func (f *fakeInventory) release(_ context.Context, _ string, id string) (ex3.Reservation, error) {
	r, ok := f.lookup(id)
	if !ok {
		return ex3.Reservation{}, refused(404)
	}
	if r.Status == ex3.StatusActive || f.flaw == "units given back on every release" {
		f.stock = f.stock.free(r.Quantity)
	}
	r.Status = ex3.StatusReleased
	if f.flaw == "released reservation deleted" {
		delete(f.res, id)
	} else {
		f.res[id] = r
	}
	return r, nil
}

// drive runs stock-accurate's sequence on the fake as runStockAccurate does (the
// reservation before any stock, the first restock, the planned steps, and the
// duplicate after the stock ran out), each step checked as runStep checks it: the
// answer, then the stock level. It returns the first step that went wrong, or "".
func drive(t *testing.T, seed uint64, f *fakeInventory) string {
	t.Helper()
	ctx := context.Background()
	env := &grader.Env{}
	r := rand.New(rand.NewPCG(seed, 42))
	m := newModel("prd-test", f)
	check := func(n int, s step) string {
		observed, err := s.do(ctx, env)
		require.NoError(t, err, "step %d: %s", n, s.sent)
		if observed != "" {
			return fmt.Sprintf("step %d %s: expected %s, observed %s", n, s.sent, s.expected, observed)
		}
		if d := m.diffLevel(m.stock, f.level(m.key)); d != "" {
			return fmt.Sprintf("step %d %s: stock %s", n, s.sent, d)
		}
		return ""
	}
	if bad := check(0, m.reserveStep(reservationRequest(m.key, newReservationID(r), between(r, 1, 5)), "")); bad != "" {
		return bad
	}
	if bad := check(1, m.restockStep(ex3.RestockRequest{RestockID: newRestockID(r), Quantity: between(r, 25, 35)}, false)); bad != "" {
		return bad
	}
	ops := planned()
	for n := 2; len(ops) > 0; n++ {
		require.LessOrEqual(t, n, 4*len(planned()), "seed %d: the plan does not finish: %v left", seed, ops)
		var o op
		o, ops = m.pick(r, ops)
		if bad := check(n, m.next(r, o)); bad != "" {
			return bad
		}
		if o == opReserveExact {
			last := m.reservations[m.active[len(m.active)-1]]
			n++
			if bad := check(n, m.reserveStep(reservationRequest(m.key, last.ReservationID, last.Quantity), "after the last units")); bad != "" {
				return bad
			}
		}
	}
	return ""
}

// With a service that follows the README, every step of every seed passes, the plan
// is taken in full, and the model's stock is the service's.
func TestModelPassesACorrectInventory(t *testing.T) {
	for seed := range uint64(100) {
		f := newFake("")
		require.Empty(t, drive(t, seed, f), "seed %d", seed)
	}
	// Each planned kind of step is taken as often as planned.
	f := newFake("")
	r := rand.New(rand.NewPCG(7, 42))
	m := newModel("prd-test", f)
	m.stock = level{available: 30}
	f.stock = m.stock
	ops := planned()
	for len(ops) > 0 {
		var o op
		o, ops = m.pick(r, ops)
		observed, err := m.next(r, o).do(context.Background(), &grader.Env{})
		require.NoError(t, err)
		require.Empty(t, observed)
	}
	for _, p := range plan {
		assert.GreaterOrEqual(t, m.taken[p.op], p.n, "op %d", p.op)
	}
	assert.Equal(t, 0, m.stock.available+m.stock.reserved-30-sumRestocked(m), "units are neither made nor lost")
}

func sumRestocked(m *model) int {
	n := 0
	for _, q := range m.restocks {
		n += q
	}
	return n
}

// Every flaw the README's rules name is caught by the sequence, whatever the seed: the
// plan puts each special case in every run.
func TestModelCatchesAFlawedInventory(t *testing.T) {
	for _, flaw := range []string{
		"restock applied again",
		"latest reservation only",
		"stock checked before the ID",
		"refused reservation stored",
		"units given back on every release",
		"released reservation deleted",
	} {
		t.Run(flaw, func(t *testing.T) {
			for seed := range uint64(30) {
				assert.NotEmpty(t, drive(t, seed, newFake(flaw)), "seed %d: the sequence did not notice", seed)
			}
		})
	}
}

// The sequence is the seed's: the same seed sends the same steps, another seed others.
func TestModelSequenceIsTheSeeds(t *testing.T) {
	sent := func(seed uint64) []string {
		r := rand.New(rand.NewPCG(seed, 42))
		f := newFake("")
		m := newModel("prd-test", f)
		m.stock, f.stock = level{available: 30}, level{available: 30}
		var out []string
		ops := planned()
		for len(ops) > 0 {
			var o op
			o, ops = m.pick(r, ops)
			s := m.next(r, o)
			out = append(out, s.sent)
			_, err := s.do(context.Background(), &grader.Env{})
			require.NoError(t, err)
		}
		return out
	}
	assert.Equal(t, sent(3), sent(3))
	assert.NotEqual(t, sent(3), sent(4))
}
