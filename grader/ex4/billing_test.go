package ex4

import (
	"testing"

	"idempotency/fixtures"
	"idempotency/fixtures/world"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func plan(t *testing.T, id string) fixtures.Plan {
	t.Helper()
	p, ok := world.LookupPlan(id)
	require.True(t, ok, id)
	return p
}

// The README's worked example, to the cent.
func TestWorkedExample(t *testing.T) {
	b := newBilling(plan(t, "basic-monthly"), date("2026-01-15"))
	assert.Equal(t, date("2026-02-15"), b.end)
	assert.Equal(t, 31, b.total())
	assert.Equal(t, 387, b.cancelRefund(date("2026-02-03")), "999 * 12/31 = 386.71")
	assert.Equal(t, 999, b.cancelRefund(date("2026-01-15")), "cancelling on the first day refunds everything")
	assert.Equal(t, 32, b.cancelRefund(date("2026-02-14")), "the last day: 999/31 = 32.23")

	delta, up := b.change(plan(t, "pro-monthly"), date("2026-01-20"))
	assert.Equal(t, 1677, delta, "(2999-999) * 26/31 = 1677.42")
	assert.Equal(t, b.end, up.end, "same cycle: the period stays")
	delta, down := up.change(plan(t, "basic-monthly"), date("2026-02-05"))
	assert.Equal(t, -645, delta, "-(2000 * 10/31) = -645.16")
	assert.Equal(t, 322, down.cancelRefund(date("2026-02-05")), "999 * 10/31 = 322.26")

	delta, yearly := b.change(plan(t, "pro-yearly"), date("2026-02-03"))
	assert.Equal(t, 29990-387, delta, "a new yearly period at full price, less the unused month")
	assert.Equal(t, date("2027-02-03"), yearly.end)
	assert.Equal(t, 365, yearly.total())
	assert.Equal(t, 29908, yearly.cancelRefund(date("2026-02-04")), "29990 * 364/365 = 29907.84")
}

func TestHalfUp(t *testing.T) {
	assert.Equal(t, 50, prorate(100, 1, 2))
	assert.Equal(t, 1, prorate(1, 1, 2), "0.5 rounds up")
	assert.Equal(t, 0, prorate(1, 1, 3))
	assert.Equal(t, 2, prorate(5, 1, 3), "1.67")
}

func TestPeriodEndClampsToMonthEnd(t *testing.T) {
	assert.Equal(t, date("2026-02-28"), periodEnd(date("2026-01-31"), "monthly"))
	assert.Equal(t, date("2028-02-29"), periodEnd(date("2028-01-30"), "monthly"))
	assert.Equal(t, date("2029-02-28"), periodEnd(date("2028-02-29"), "yearly"))
	assert.Equal(t, date("2027-01-15"), periodEnd(date("2026-12-15"), "monthly"))
}

// refundEdges' days reach the edges they claim, whatever the draw: the first upgrade is
// refunded in full the same day, and the cancel's refund is one cent more than what the
// second upgrade's charge has left after the downgrade.
func TestRefundEdgeDays(t *testing.T) {
	basic, pro := plan(t, "basic-monthly"), plan(t, "pro-monthly")
	for _, start := range []string{"2026-04-01", "2027-06-15", "2028-09-28", "2026-11-10"} {
		for k := 1; k <= 9; k++ {
			b := newBilling(basic, date(start))
			require.Equal(t, 30, b.total(), start)
			c2, b2 := b.change(pro, b.start)
			assert.Equal(t, 2000, c2, "the first day: the whole difference")
			r2, b3 := b2.change(basic, b.start)
			assert.Equal(t, -c2, r2, "the same day: everything the upgrade charged")
			up, down, end := refundEdgeDays(b.start, k)
			require.True(t, b.start.Before(up) && up.Before(down) && !end.Before(down) && end.Before(b.end), "%s k=%d", start, k)
			c3, b4 := b3.change(pro, up)
			r3, b5 := b4.change(basic, down)
			require.Positive(t, c3)
			require.Less(t, -r3, c3, "partly refunded")
			assert.Equal(t, c3+r3+1, b5.cancelRefund(end), "%s k=%d: one cent from the first charge", start, k)
		}
	}
}
