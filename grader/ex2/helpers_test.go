package ex2

import (
	"math/rand/v2"
	"net/mail"
	"strings"
	"testing"
	"time"

	"idempotency/contract/ex2"
	"idempotency/fixtures/world"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// Unit tests of the scenario helpers (no server): a helper bug shows here, not as a
// cell of the kill matrix.

var sentAt = time.Date(2026, 12, 2, 18, 0, 0, 123456000, time.UTC)

func aSentRecord() ex2.EmailRecord {
	return ex2.EmailRecord{EmailID: "em-1", Recipient: "ada.1@example.com", Subject: "Hi #1", Status: ex2.StatusSent,
		SentAt: sentAt, MessageID: "msg-1"}
}

func TestDiffRecords(t *testing.T) {
	failed := aSentRecord()
	failed.Status, failed.MessageID, failed.Error = ex2.StatusFailed, "", "550 mailbox unavailable"
	type testCase struct {
		name      string
		want, got func() ex2.EmailRecord
		diff      string
	}
	same := func(r ex2.EmailRecord) func() ex2.EmailRecord { return func() ex2.EmailRecord { return r } }
	changed := func(r ex2.EmailRecord, f func(*ex2.EmailRecord)) func() ex2.EmailRecord {
		return func() ex2.EmailRecord { f(&r); return r }
	}
	for _, tc := range []testCase{
		{"equal", same(aSentRecord()), same(aSentRecord()), ""},
		{"emailId", same(aSentRecord()), changed(aSentRecord(), func(r *ex2.EmailRecord) { r.EmailID = "em-2" }), `emailId "em-2", expected "em-1"`},
		{"recipient", same(aSentRecord()), changed(aSentRecord(), func(r *ex2.EmailRecord) { r.Recipient = "x@example.com" }),
			`recipient "x@example.com", expected "ada.1@example.com"`},
		{"subject", same(aSentRecord()), changed(aSentRecord(), func(r *ex2.EmailRecord) { r.Subject = "" }), `subject "", expected "Hi #1"`},
		{"status", same(aSentRecord()), changed(aSentRecord(), func(r *ex2.EmailRecord) { r.Status = ex2.StatusPending }),
			`status "pending", expected "sent"`},
		{"messageId", same(aSentRecord()), changed(aSentRecord(), func(r *ex2.EmailRecord) { r.MessageID = "msg-2" }),
			`messageId "msg-2", expected "msg-1"`},
		{"error", same(aSentRecord()), changed(aSentRecord(), func(r *ex2.EmailRecord) { r.Error = "boom" }), `error "boom", expected ""`},
		{"a sent email's sentAt", same(aSentRecord()), changed(aSentRecord(), func(r *ex2.EmailRecord) { r.SentAt = sentAt.Add(time.Second) }),
			"sentAt 2026-12-02T18:00:01.123456Z, expected 2026-12-02T18:00:00.123456Z"},
		// The README: a failed email has no meaningful sentAt.
		{"a failed email's sentAt is not compared", same(failed), changed(failed, func(r *ex2.EmailRecord) { r.SentAt = time.Time{} }), ""},
		{"sent where failed was expected", same(failed), same(aSentRecord()),
			`status "sent", expected "failed"; messageId "msg-1", expected ""; error "", expected "550 mailbox unavailable"`},
		{"failed where sent was expected: sentAt too", same(aSentRecord()), changed(failed, func(r *ex2.EmailRecord) { r.SentAt = time.Time{} }),
			`status "failed", expected "sent"; messageId "", expected "msg-1"; error "550 mailbox unavailable", expected ""; ` +
				"sentAt not set, expected 2026-12-02T18:00:00.123456Z"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			assert.Equal(t, tc.diff, diffRecords(tc.want(), tc.got()))
		})
	}
}

func TestCheckSent(t *testing.T) {
	req := ex2.EmailRequest{Recipient: "ada.1@example.com", Subject: "Hi #1", Body: "body"}
	delivered := world.Call{Gateway: world.SMTP, Result: "msg-1", Delivered: true}
	type testCase struct {
		name   string
		change func(r *ex2.EmailRecord)
		want   string
	}
	for _, tc := range []testCase{
		{"the delivered message's record", func(r *ex2.EmailRecord) {}, ""},
		{"another key", func(r *ex2.EmailRecord) { r.EmailID = "em-9" }, `emailId "em-9", expected the object key "em-1"`},
		{"pending", func(r *ex2.EmailRecord) { r.Status = ex2.StatusPending }, `status "pending", expected "sent"`},
		{"another message", func(r *ex2.EmailRecord) { r.MessageID = "msg-0" }, `messageId "msg-0", but the gateway delivered message "msg-1"`},
		{"another recipient", func(r *ex2.EmailRecord) { r.Recipient = "" }, `recipient "", expected "ada.1@example.com"`},
		{"another subject", func(r *ex2.EmailRecord) { r.Subject = "Re: Hi #1" }, `subject "Re: Hi #1", expected "Hi #1"`},
		{"no sentAt", func(r *ex2.EmailRecord) { r.SentAt = time.Time{} }, "sentAt is not set"},
		{"an error on a sent email", func(r *ex2.EmailRecord) { r.Error = "timeout" }, `error "timeout" on a sent email`},
	} {
		t.Run(tc.name, func(t *testing.T) {
			rec := aSentRecord()
			tc.change(&rec)
			assert.Equal(t, tc.want, checkSent("em-1", req, rec, delivered))
		})
	}
}

// Requests come from the seed alone, differ between seeds, and follow the README's
// input rules: a well-formed recipient of its own (the scenarios tell an email's SMTP
// calls by it), a subject and a body.
func TestNewRequest(t *testing.T) {
	const draws = 20
	gen := func(seed uint64) []ex2.EmailRequest {
		r := rand.New(rand.NewPCG(seed, 2))
		out := make([]ex2.EmailRequest, draws)
		for i := range out {
			out[i] = newRequest(r)
		}
		return out
	}
	assert.Equal(t, gen(7), gen(7), "the same seed gives the same requests")
	assert.NotEqual(t, gen(7), gen(8), "another seed gives other requests")
	recipients := map[string]bool{}
	for seed := range uint64(50) {
		for _, req := range gen(seed) {
			_, err := mail.ParseAddress(req.Recipient)
			assert.NoError(t, err, "recipient %q", req.Recipient)
			assert.NotEmpty(t, req.Subject)
			assert.NotEmpty(t, req.Body)
			recipients[req.Recipient] = true
		}
	}
	// One recipient per email: a repeat across 1000 draws would merge two emails' calls
	// (24 random bits make one unlikely but possible; more than one is a bug).
	assert.GreaterOrEqual(t, len(recipients), 50*draws-1, "recipients are (nearly always) distinct")
}

// A templated request has a value for every placeholder of its template (a missing one
// is invalid input), one unused variable, and two used values that contain each other's
// placeholder; it comes from the seed alone.
func TestTemplatedRequest(t *testing.T) {
	require.NotEmpty(t, ex2.Templates())
	for _, name := range ex2.Templates() {
		tpl, ok := ex2.LookupTemplate(name)
		require.True(t, ok)
		for seed := range uint64(30) {
			req := templatedRequest(rand.New(rand.NewPCG(seed, 3)), name)
			assert.Equal(t, req, templatedRequest(rand.New(rand.NewPCG(seed, 3)), name), "deterministic for a seed")
			assert.Equal(t, name, req.Template)
			_, err := mail.ParseAddress(req.Recipient)
			assert.NoError(t, err)
			for _, p := range placeholders(tpl.Subject + tpl.Body) {
				assert.Contains(t, req.Vars, p, "%s: every placeholder has a value", name)
			}
			assert.Contains(t, req.Vars, "unused")
			assert.NotContains(t, tpl.Subject+tpl.Body, "{{unused}}")
			var crossed []string
			for n, v := range req.Vars {
				if strings.Contains(v, "{{") {
					crossed = append(crossed, n)
				}
			}
			require.Len(t, crossed, 2, "%s seed %d: two values name a placeholder: %v", name, seed, req.Vars)
			a, b := crossed[0], crossed[1]
			assert.Contains(t, req.Vars[a], "{{"+b+"}}")
			assert.Contains(t, req.Vars[b], "{{"+a+"}}")
		}
		assert.NotEqual(t, templatedRequest(rand.New(rand.NewPCG(1, 3)), name), templatedRequest(rand.New(rand.NewPCG(2, 3)), name))
	}
}

// The grader's own rendering follows the contract: one pass, values inserted as they
// are, unused variables ignored.
func TestRenderExpected(t *testing.T) {
	req := ex2.TemplateEmailRequest{Template: "welcome", Vars: map[string]string{
		"product": "Inkwell {{account}}", "name": "Ada", "account": "acct-42 {{product}}", "unused": "x {{name}}",
	}}
	subject, body := renderExpected(req)
	assert.Equal(t, "Welcome to Inkwell {{account}}, Ada!", subject)
	assert.Equal(t, "Hi Ada,\n\nwelcome to Inkwell {{account}}. Your account acct-42 {{product}} is ready.\n\nThe Inkwell {{account}} team\n", body)
}

func TestPlaceholders(t *testing.T) {
	assert.Equal(t, []string{"name", "product", "account"}, placeholders("Hi {{name}}, {{product}} {{name}} {{account}}"))
	assert.Empty(t, placeholders("no placeholder, { {x} }"))
}

func TestOnlyTransient(t *testing.T) {
	transient := world.Call{ErrKind: world.KindTransient}
	permanent := world.Call{ErrKind: world.KindPermanent}
	assert.False(t, onlyTransient(nil), "no call is not a transient failure")
	assert.True(t, onlyTransient(world.Calls{transient, transient}))
	assert.False(t, onlyTransient(world.Calls{transient, permanent}))
	assert.False(t, onlyTransient(world.Calls{transient, {Delivered: true}}))
}
