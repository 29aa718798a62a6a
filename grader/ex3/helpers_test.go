package ex3

import (
	"math/rand/v2"
	"testing"
	"time"

	"idempotency/contract/ex3"

	"github.com/stretchr/testify/assert"
)

// Unit tests of the scenario helpers (no server): a helper bug shows here, not as a
// cell of the kill matrix. The model's own tests are in model_test.go.

var madeAt = time.Date(2026, 12, 2, 18, 0, 0, 123456000, time.UTC)

func aReservation() ex3.Reservation {
	return ex3.Reservation{ReservationID: "res-1", ProductID: "prd-1", Quantity: 3, Status: ex3.StatusActive, CreatedAt: madeAt}
}

func TestLevel(t *testing.T) {
	l := level{available: 10}
	assert.Equal(t, level{7, 3}, l.reserve(3))
	assert.Equal(t, level{10, 0}, l.reserve(3).free(3))
	assert.Equal(t, "availableStock 7, reservedStock 3, totalStock 10", l.reserve(3).String())
}

func TestDiffStock(t *testing.T) {
	want := level{available: 7, reserved: 3}
	type testCase struct {
		name string
		got  ex3.StockLevel
		diff string
	}
	for _, tc := range []testCase{
		{"as expected", ex3.StockLevel{AvailableStock: 7, ReservedStock: 3, TotalStock: 10}, ""},
		{"units reserved twice", ex3.StockLevel{AvailableStock: 4, ReservedStock: 6, TotalStock: 10},
			"availableStock 4, expected 7; reservedStock 6, expected 3"},
		{"a total that does not add up", ex3.StockLevel{AvailableStock: 7, ReservedStock: 3, TotalStock: 7},
			"totalStock 7 is not availableStock + reservedStock (10)"},
		{"a total that adds up to the wrong stock", ex3.StockLevel{AvailableStock: 10, ReservedStock: 3, TotalStock: 13},
			"availableStock 10, expected 7; totalStock 13, expected 10"},
		{"a stub's zeros", ex3.StockLevel{},
			"availableStock 0, expected 7; reservedStock 0, expected 3; totalStock 0, expected 10"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			assert.Equal(t, tc.diff, diffStock(want, tc.got))
		})
	}
	// The sequence's check adds the product ID.
	m := newModel("prd-1", nil)
	m.stock = want
	assert.Empty(t, m.diffLevel(want, ex3.StockLevel{ProductID: "prd-1", AvailableStock: 7, ReservedStock: 3, TotalStock: 10}))
	assert.Equal(t, `totalStock 0 is not availableStock + reservedStock (10); productId "", expected the object key "prd-1"`,
		m.diffLevel(want, ex3.StockLevel{AvailableStock: 7, ReservedStock: 3}))
}

func TestDiffReservation(t *testing.T) {
	type testCase struct {
		name   string
		change func(r *ex3.Reservation)
		want   string
	}
	for _, tc := range []testCase{
		{"equal", func(r *ex3.Reservation) {}, ""},
		{"same instant in another zone", func(r *ex3.Reservation) { r.CreatedAt = r.CreatedAt.In(time.FixedZone("X", -3600)) }, ""},
		{"reservationId", func(r *ex3.Reservation) { r.ReservationID = "res-2" }, `reservationId "res-2", expected "res-1"`},
		{"productId", func(r *ex3.Reservation) { r.ProductID = "" }, `productId "", expected "prd-1"`},
		{"quantity", func(r *ex3.Reservation) { r.Quantity = 5 }, "quantity 5, expected 3"},
		{"status", func(r *ex3.Reservation) { r.Status = ex3.StatusExpired }, `status "expired", expected "active"`},
		{"made again", func(r *ex3.Reservation) { r.CreatedAt = madeAt.Add(time.Second); r.Quantity = 4 },
			"quantity 4, expected 3; createdAt 2026-12-02T18:00:01.123456Z, expected 2026-12-02T18:00:00.123456Z"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			got := aReservation()
			tc.change(&got)
			assert.Equal(t, tc.want, diffReservation(aReservation(), got))
		})
	}
	assert.Equal(t, ex3.StatusReleased, withStatus(aReservation(), ex3.StatusReleased).Status)
	assert.Equal(t, ex3.StatusActive, aReservation().Status, "withStatus changes a copy")
}

func TestCheckNew(t *testing.T) {
	req := reservationRequest("prd-1", "res-1", 3)
	type testCase struct {
		name   string
		change func(r *ex3.Reservation)
		want   string
	}
	for _, tc := range []testCase{
		{"fits the request", func(r *ex3.Reservation) {}, ""},
		{"another ID", func(r *ex3.Reservation) { r.ReservationID = "res-0" }, `reservationId "res-0", expected "res-1"`},
		{"another product", func(r *ex3.Reservation) { r.ProductID = "prd-2" }, `productId "prd-2", expected the object key "prd-1"`},
		{"another quantity", func(r *ex3.Reservation) { r.Quantity = 1 }, "quantity 1, expected 3"},
		{"not active", func(r *ex3.Reservation) { r.Status = "" }, `status "", expected "active"`},
		// A fresh reservation's createdAt is whatever the service chose.
		{"any createdAt", func(r *ex3.Reservation) { r.CreatedAt = time.Time{} }, ""},
	} {
		t.Run(tc.name, func(t *testing.T) {
			got := aReservation()
			tc.change(&got)
			assert.Equal(t, tc.want, checkNew("prd-1", req, got))
		})
	}
}

// The input generators stay inside the README's rules (quantities >= 1, IDs non-empty)
// and inside the ranges the scenarios rely on, come from the seed alone and vary with it.
func TestInputs(t *testing.T) {
	for seed := range uint64(200) {
		r := rand.New(rand.NewPCG(seed, 3))
		for q := 1; q <= 8; q++ {
			o := otherQuantity(r, q, 8)
			assert.NotEqual(t, q, o)
			assert.GreaterOrEqual(t, o, 1)
			assert.LessOrEqual(t, o, 8)
		}
		// A quantity above max still gets a different one in [1, max].
		o := otherQuantity(r, 12, 8)
		assert.True(t, o >= 1 && o <= 8, "otherQuantity(12, 8) = %d", o)
		b := between(r, 5, 15)
		assert.True(t, b >= 5 && b <= 15, "between(5, 15) = %d", b)
		qs := distinctQuantities(r, 4, 3, 9)
		assert.Len(t, qs, 4)
		seen := map[int]bool{}
		for _, q := range qs {
			assert.True(t, q >= 3 && q <= 9, "quantity %d", q)
			assert.False(t, seen[q], "distinct: %v", qs)
			seen[q] = true
		}
	}
	gen := func(seed uint64) []string {
		r := rand.New(rand.NewPCG(seed, 3))
		return []string{newReservationID(r), newRestockID(r), newReservationID(r)}
	}
	assert.Equal(t, gen(1), gen(1))
	assert.NotEqual(t, gen(1), gen(2))
	assert.Regexp(t, `^res-[0-9a-f]{8}$`, gen(1)[0])
	assert.Regexp(t, `^rst-[0-9a-f]{8}$`, gen(1)[1])
	// Every value in [1, max] but q comes up.
	r := rand.New(rand.NewPCG(9, 9))
	got := map[int]bool{}
	for range 200 {
		got[otherQuantity(r, 3, 6)] = true
	}
	assert.Equal(t, map[int]bool{1: true, 2: true, 4: true, 5: true, 6: true}, got)
}
