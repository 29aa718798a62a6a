package ex5

import (
	"encoding/json"
	"errors"
	"strings"
	"testing"
	"time"

	"idempotency/contract/ex5"
	"idempotency/grader"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func hooks(seed uint64) []webhook {
	env := grader.OfflineEnv("processed-once", seed)
	return []webhook{newWebhook(env, ex5.PaymentSucceeded), newWebhook(env, ex5.PaymentFailed), newWebhook(env, fixedUnknownType)}
}

func TestWebhooksAreDeterministicPerSeed(t *testing.T) {
	assert.Equal(t, hooks(1), hooks(1), "the same seed makes the same webhooks")
	a, b := hooks(1), hooks(7)
	for i := range a {
		assert.NotEqual(t, a[i].ID, b[i].ID)
		assert.NotEqual(t, a[i].OrderID, b[i].OrderID)
		assert.NotEqual(t, a[i].CustomerID, b[i].CustomerID)
	}
}

// Every generated webhook is one the README's service must process: a known customer, its
// own order, a payment ID unless the payment failed.
func TestWebhooksKeepTheReadmeRules(t *testing.T) {
	for seed := range uint64(50) {
		seen := map[string]bool{}
		for _, w := range hooks(seed) {
			assert.True(t, strings.HasPrefix(w.CustomerID, "cus_") && !strings.HasPrefix(w.CustomerID, "cus_declined"), w.CustomerID)
			assert.Equal(t, w.Type != ex5.PaymentFailed, w.PaymentID != "", "%s: payment id %q", w.Type, w.PaymentID)
			assert.NotEmpty(t, w.OrderID)
			for _, v := range []string{w.ID, w.OrderID, w.CustomerID} {
				assert.False(t, seen[v], "%s is shared between webhooks of one scenario", v)
				seen[v] = true
			}
		}
	}
}

// The body is what the contract's StripeWebhook encodes to, and the pretty body decodes
// to the same event with other bytes: only a signature over the raw bytes verifies it.
func TestBodies(t *testing.T) {
	for _, w := range hooks(3) {
		want, err := json.Marshal(w.payload())
		require.NoError(t, err)
		assert.Equal(t, want, w.body())
		var compact, pretty ex5.StripeWebhook
		require.NoError(t, json.Unmarshal(w.body(), &compact))
		require.NoError(t, json.Unmarshal(w.prettyBody(), &pretty), "%s", w.prettyBody())
		assert.Equal(t, compact, pretty)
		assert.NotEqual(t, w.body(), w.prettyBody())
		assert.Equal(t, w.ID, compact.ID)
	}
}

func TestChangedKeepsTheIdentity(t *testing.T) {
	env := grader.OfflineEnv("duplicate-success", 1)
	for _, typ := range []string{ex5.PaymentSucceeded, ex5.PaymentFailed} {
		w := newWebhook(env, typ)
		c := w.changed(env)
		assert.Equal(t, []string{w.ID, w.OrderID, w.CustomerID}, []string{c.ID, c.OrderID, c.CustomerID})
		assert.NotEqual(t, w.Type, c.Type)
		assert.True(t, isPaymentType(c.Type))
		assert.Equal(t, c.Type == ex5.PaymentSucceeded, c.PaymentID != "")
		assert.NotEqual(t, w.body(), c.body())
	}
}

// The README's effects table: payment.succeeded marks the order paid and notifies,
// payment.failed only notifies, other types do nothing.
func TestWant(t *testing.T) {
	tests := []struct {
		typ           string
		n             int
		paid, notices int
	}{
		{ex5.PaymentSucceeded, 1, 1, 1},
		{ex5.PaymentSucceeded, 3, 3, 3},
		{ex5.PaymentFailed, 2, 0, 2},
		{fixedUnknownType, 1, 0, 0},
		{"invoice.paid", 1, 0, 0},
	}
	for _, tc := range tests {
		paid, notices := want(webhook{Type: tc.typ}, tc.n)
		assert.Equal(t, []int{tc.paid, tc.notices}, []int{paid, notices}, "%s x%d", tc.typ, tc.n)
	}
	assert.False(t, isPaymentType(fixedUnknownType), "payment.refunded looks like a payment type but has no effect")
	for _, typ := range otherUnknownTypes {
		assert.False(t, isPaymentType(typ), typ)
	}
}

func TestDiffRecord(t *testing.T) {
	w := webhook{ID: "evt-1", Type: ex5.PaymentFailed}
	ok := ex5.WebhookStatus{ID: "evt-1", Type: ex5.PaymentFailed, Status: ex5.StatusProcessed}
	assert.Empty(t, diffRecord(w, ex5.StatusProcessed, ok))
	assert.Empty(t, diffRecord(w, "", ex5.WebhookStatus{ID: "evt-1", Type: ex5.PaymentFailed, Status: "ignored"}), "any status when none is asked")
	d := diffRecord(w, ex5.StatusProcessed, ex5.WebhookStatus{ID: "evt-2", Type: ex5.PaymentFailed, Status: "failed"})
	assert.Contains(t, d, "id")
	assert.Contains(t, d, "status")
	assert.NotContains(t, d, "type")
}

func TestDiffStored(t *testing.T) {
	at := time.Date(2026, 12, 2, 18, 0, 0, 0, time.UTC)
	first := ex5.WebhookStatus{ID: "evt-1", Status: ex5.StatusProcessed, ProcessedAt: at}
	again := first
	again.ProcessedAt = at.In(time.FixedZone("CET", 3600))
	assert.Empty(t, diffStored(first, again), "the same instant in another zone")
	again.ProcessedAt, again.Replays = at.Add(time.Millisecond), 1
	d := diffStored(first, again)
	assert.Contains(t, d, "processedAt")
	assert.Contains(t, d, "replays")
}

func TestWords(t *testing.T) {
	assert.Equal(t, []string{"never", "once", "twice", "3 times"}, []string{times(0), times(1), times(2), times(3)})
	assert.Equal(t, "4m30s ago", ago(-insideTolerance))
	assert.Equal(t, "5m30s in the future", ago(outsideTolerance))
}

func TestDiffDuplicateAndReplayed(t *testing.T) {
	at := time.Date(2026, 12, 2, 18, 0, 0, 0, time.UTC)
	w := webhook{ID: "evt-1", Type: ex5.PaymentSucceeded}
	first := ex5.WebhookStatus{ID: "evt-1", Type: ex5.PaymentSucceeded, Status: ex5.StatusProcessed, ProcessedAt: at}
	assert.Empty(t, diffDuplicate(w, first, first))
	changed := first
	changed.Type = ex5.PaymentFailed
	assert.Equal(t, `type "payment.failed", expected "payment.succeeded"`, diffDuplicate(w, first, changed))

	replayed := first
	replayed.Replays, replayed.LastReplayedAt = 1, at.Add(time.Second)
	assert.Empty(t, diffReplayed(w, first, 1, replayed))
	assert.Equal(t, "replays 1, expected 2", diffReplayed(w, first, 2, replayed))
	replayed.ProcessedAt, replayed.LastReplayedAt = at.Add(time.Second), time.Time{}
	d := diffReplayed(w, first, 1, replayed)
	assert.Contains(t, d, "a replay keeps it")
	assert.Contains(t, d, "lastReplayedAt is not set")
}

// A journal mismatch is Restate's (code 570, or its message); a learner's own error that
// says "mismatch" is an answer like any other.
func TestIsJournalMismatch(t *testing.T) {
	assert.True(t, isJournalMismatch(&grader.CallError{Code: 570, Message: "anything", FromHandler: true}))
	assert.True(t, isJournalMismatch(&grader.CallError{Code: 500, Message: "[RT0016] Journal mismatch detected", FromHandler: true}))
	assert.False(t, isJournalMismatch(&grader.CallError{Code: 400, Message: "signature mismatch", FromHandler: true}))
	assert.False(t, isJournalMismatch(errors.New("journal mismatch")), "not a call's answer")
}
