package ex6

import (
	"strings"
	"testing"
	"time"

	"idempotency/contract/ex6"
	"idempotency/fixtures/world"
	"idempotency/grader"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// orders makes one order of each kind the scenarios use, from one seed.
func orders(seed uint64) []order {
	env := grader.OfflineEnv("saga", seed)
	return []order{newOrder(env), declinedOrder(env), undeliverableOrder(env), soldOutOrder(env), withShippingFee(newOrder(env))}
}

func TestOrdersAreDeterministicPerSeed(t *testing.T) {
	assert.Equal(t, orders(1), orders(1), "the same seed makes the same orders")
	a, b := orders(1), orders(7)
	for i := range a {
		assert.NotEqual(t, a[i].ID, b[i].ID, "order %d: another seed, another key", i)
		assert.NotEqual(t, a[i].Req, b[i].Req, "order %d: another seed, another request", i)
	}
}

// Every generated order keeps the README's input rules, whatever the seed.
func TestOrdersKeepTheReadmeRules(t *testing.T) {
	for seed := range uint64(50) {
		for _, o := range orders(seed) {
			require.NotEmpty(t, o.ID)
			assert.True(t, strings.HasPrefix(o.Req.CustomerID, "cus_"), "a known customer: %s", o.Req.CustomerID)
			assert.Equal(t, o.FailAt == stepPayment, strings.HasPrefix(o.Req.CustomerID, "cus_declined"), "only the declined order's card is declined: %s", o.Req.CustomerID)
			assert.Equal(t, o.FailAt == stepLabel, strings.Contains(o.Req.ShippingAddress, "undeliverable") || strings.Contains(o.Req.ShippingAddress, "Undeliverable"),
				"only the undeliverable order's address is: %q", o.Req.ShippingAddress)
			require.NotEmpty(t, o.Req.Items)
			assert.LessOrEqual(t, len(o.Req.Items), 4)
			soldOut := 0
			for i, it := range o.Req.Items {
				assert.GreaterOrEqual(t, it.Quantity, 1)
				assert.LessOrEqual(t, it.Quantity, 4)
				assert.GreaterOrEqual(t, it.Price, 100)
				assert.Less(t, it.Price, 10000)
				if strings.HasPrefix(it.ProductID, ex6.SoldOutPrefix) {
					soldOut++
					assert.Equal(t, len(o.Req.Items)-1, i, "the sold-out item is the last one")
				}
			}
			if o.FailAt == stepReserve {
				assert.Equal(t, 1, soldOut, "one sold-out item")
				assert.GreaterOrEqual(t, len(o.Req.Items), 3, "the sold-out item is not the first of the order")
			} else {
				assert.Zero(t, soldOut)
			}
			total := totalOf(o.Req.Items)
			assert.True(t, o.Req.Payment.Amount == total || o.Req.Payment.Amount == total+shippingFee,
				"the payment is the items' total, or that plus shipping: %d vs %d", o.Req.Payment.Amount, total)
		}
	}
	o := orders(3)[4]
	assert.Equal(t, totalOf(o.Req.Items)+shippingFee, o.Req.Payment.Amount, "withShippingFee charges more than the items")
	assert.Contains(t, o.describe(), "includes 495 cents of shipping")
}

func TestWithItemsOfCopies(t *testing.T) {
	env := grader.OfflineEnv("no-duplicates", 1)
	a, b := newOrder(env), newOrder(env)
	c := withItemsOf(b, a)
	assert.Equal(t, a.Req.Items, c.Req.Items)
	assert.Equal(t, a.Req.Payment, c.Req.Payment)
	assert.Equal(t, b.ID, c.ID)
	assert.Equal(t, b.Req.CustomerID, c.Req.CustomerID, "another customer's order")
	c.Req.Items[0].Quantity++
	assert.NotEqual(t, a.Req.Items[0].Quantity, c.Req.Items[0].Quantity, "the items are a copy")
}

// The README's "each effect once": a completed order, and one failing at step k.
func TestWantFor(t *testing.T) {
	tests := []struct {
		name string
		k    int
		want want
	}{
		{"completed", stepNone, want{reserved: 1, charges: 1, labels: 1, confirmations: 1}},
		{"sold out", stepReserve, want{failures: 1}},
		{"declined", stepPayment, want{reserved: 1, released: 1, failures: 1}},
		{"label", stepLabel, want{reserved: 1, charges: 1, released: 1, refunds: 1, failures: 1}},
		{"confirmation", stepConfirm, want{reserved: 1, charges: 1, labels: 1, released: 1, refunds: 1, cancels: 1, failures: 1}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) { assert.Equal(t, tc.want, wantFor(tc.k)) })
	}
}

func TestReverseText(t *testing.T) {
	assert.Equal(t, "none (nothing to undo)", reverseText(stepReserve))
	assert.Equal(t, "release the reservation", reverseText(stepPayment))
	assert.Equal(t, "refund the charge, then release the reservation", reverseText(stepLabel))
	assert.Equal(t, "cancel the label, then refund the charge, then release the reservation", reverseText(stepConfirm))
}

func TestDiffResults(t *testing.T) {
	a := ex6.OrderResult{OrderID: "ord-1", Status: ex6.StatusCompleted, ReservationID: "r", ChargeID: "c", LabelID: "l"}
	assert.Empty(t, diffResults(a, a))
	b := a
	b.Status, b.ChargeID = ex6.StatusFailed, ""
	d := diffResults(a, b)
	assert.Contains(t, d, "status")
	assert.Contains(t, d, "chargeId")
	assert.NotContains(t, d, "labelId")
}

func TestDuplicateIDs(t *testing.T) {
	os := []order{{ID: "a"}, {ID: "b"}, {ID: "c"}}
	rs := []ex6.OrderResult{{ChargeID: "ch1", LabelID: "l1"}, {ChargeID: "ch2", LabelID: "l2"}, {ChargeID: "ch1"}}
	assert.Equal(t, "orders a and c both have ch1", duplicateIDs(os, rs))
	rs[2].ChargeID = "ch3"
	assert.Empty(t, duplicateIDs(os, rs))
}

func TestSameKeys(t *testing.T) {
	same := world.Calls{{IdempotencyKey: "k"}, {IdempotencyKey: "k"}}
	text, ok := sameKeys(same)
	assert.True(t, ok)
	assert.Contains(t, text, `"k"`)
	_, ok = sameKeys(world.Calls{{IdempotencyKey: "k1"}, {IdempotencyKey: "k2"}})
	assert.False(t, ok)
	_, ok = sameKeys(world.Calls{{}, {}})
	assert.False(t, ok, "no key is not the same key")
}

// forgiveKill drops only a second delivery that straddles the kill, and never of the
// held step.
func TestForgiveKill(t *testing.T) {
	kill := time.Date(2026, 12, 2, 18, 0, 0, 0, time.UTC)
	before, after := kill.Add(-time.Millisecond), kill.Add(time.Second)
	straddling := func() world.Calls { return world.Calls{{At: before}, {At: after}} }
	e := effects{confirmations: straddling(), charges: straddling(), labels: world.Calls{{At: after}, {At: after}}}
	forgiveKill(&e, "charging", kill)
	assert.Len(t, e.confirmations, 1, "a one-way confirmation cut off by the kill ran again: forgiven")
	assert.Len(t, e.charges, 2, "the held step is never forgiven")
	assert.Len(t, e.labels, 2, "both after the restart: a real duplicate")
}

// The answer's problems read in the one diff style, and say what the broken copies'
// explanations look for.
func TestCheckStatusAndResult(t *testing.T) {
	o := order{ID: "ord-1", FailAt: stepConfirm}
	ps := checkStatus(o, ex6.OrderResult{OrderID: "ord-1", Status: ex6.StatusCompleted})
	require.Len(t, ps, 1)
	assert.Contains(t, ps[0].text, `status "completed", expected "failed" (step "confirmation" failed); failureReason is empty`)
	assert.Equal(t, failedStepHint[stepConfirm], ps[0].hint)
	assert.Empty(t, checkStatus(o, ex6.OrderResult{Status: ex6.StatusFailed, FailureReason: "x"}))

	done := order{ID: "ord-2"}
	e := effects{reserved: world.Calls{{Result: "res-1"}}, charges: world.Calls{{Result: "ch-1"}}, labels: world.Calls{{Result: "lbl-1"}}}
	assert.Empty(t, checkResult(done, e, ex6.OrderResult{OrderID: "ord-2", ReservationID: "res-1", ChargeID: "ch-1", LabelID: "lbl-1"}))
	ps = checkResult(done, e, ex6.OrderResult{OrderID: "ord-9", ReservationID: "res-1", ChargeID: "ch-2", LabelID: "lbl-1"})
	require.Len(t, ps, 1)
	assert.Contains(t, ps[0].text, `orderId "ord-9", expected the object key "ord-2"; chargeId "ch-2", expected the payment gateway's charge ID "ch-1"`)
}
