package report_test

import (
	"bytes"
	"strings"
	"testing"
	"unicode/utf8"

	"idempotency/grader"
	"idempotency/grader/report"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

const (
	rec   = grader.MarkRecorded
	rep   = grader.MarkReplayed
	none  = grader.MarkNone
	crash = grader.MarkCrashed
	diff  = grader.MarkMismatch
	sent  = grader.MarkCalled
	again = grader.MarkAgain
)

func journal(index, step int, label string, marks ...grader.Mark) grader.TimelineStep {
	return grader.TimelineStep{Kind: "journal", Index: index, Step: step, Label: label, Marks: marks}
}

func gateway(label string, marks ...grader.Mark) grader.TimelineStep {
	return grader.TimelineStep{Kind: "gateway", Index: -1, Step: -1, Label: label, Marks: marks}
}

func attempts(ends ...string) []grader.TimelineAttempt {
	var out []grader.TimelineAttempt
	for i, e := range ends {
		a := grader.TimelineAttempt{N: i + 1, AtMS: int64(i * 120), DurationMS: 15, Replayed: 1, End: e}
		out = append(out, a)
	}
	return out
}

// The four causes the timelines exist for, as the grader draws them from the broken
// copies of ex1 (notice-outside-run, math-rand-number, get-unknown-plain-error,
// go-map-orders).
func effectOutsideRun() *grader.Timeline {
	at := attempts("crashed", "completed")
	at[0].Fault = "crash before completion"
	at[1].Replayed = 3
	return &grader.Timeline{More: 10, Invocations: []grader.InvocationTimeline{{
		ID: "inv_1", Target: "OrderService/ord-ab17-bee658/CancelOrder", Outcome: "succeeded", Attempts: at,
		Steps: []grader.TimelineStep{
			journal(1, 1, "get state order", rec, rep),
			gateway("notify customerId=cus_7ad0c44b event=order.cancelled reference=ord-ab17-bee658", sent, again),
			journal(2, 2, "set state order", rec, rep),
			journal(3, 3, "output", crash, rec),
		},
		Note: "attempt 2 made the notify call again: a call that is not a journaled step (restate.Run) runs again on every retry, because the replay has no recorded result to read back",
	}}}
}

func nonDeterministic() *grader.Timeline {
	at := attempts("crashed", "failed", "failed", "failed", "failed", "failed")
	at[0].Fault = "crash before completion"
	for i := 1; i < len(at); i++ {
		at[i].Error, at[i].Replayed, at[i].N = "570 journal mismatch at set state", 5, []int{0, 2, 3, 4, 9, 10}[i]
	}
	return &grader.Timeline{Invocations: []grader.InvocationTimeline{{
		ID: "inv_2", Target: "OrderService/ord-55b1-160955/CreateOrder", Outcome: "failed: [570] journal mismatch at set state",
		Attempts: at, HiddenAttempts: 4,
		Steps: []grader.TimelineStep{
			journal(1, 1, "get state order", rec, rep, rep, rep, rep, rep),
			journal(2, 2, "run", rec, rep, rep, rep, rep, rep),
			journal(4, 3, "set state order", rec, diff, diff, diff, diff, diff),
			journal(5, 4, "output (never recorded)", crash, none, none, none, none, none),
		},
		Note: `attempt 2 replayed the journal and at "set state order" did something other than the attempt that recorded it: a value that differs between attempts (time.Now, math/rand, map order) must come from restate.Run or restate.Rand`,
	}}}
}

func plainErrorRetried() *grader.Timeline {
	at := attempts("failed", "failed", "failed", "failed", "failed", "failed")
	for i := range at {
		at[i].Error, at[i].N = "500 order ord-9 not found", []int{1, 2, 3, 4, 9, 10}[i]
		if i > 0 {
			at[i].Replayed = 2
		}
	}
	return &grader.Timeline{Invocations: []grader.InvocationTimeline{{
		ID: "inv_3", Target: "OrderService/ord-9/CancelOrder", Outcome: "failed: [500] order ord-9 not found",
		Attempts: at, HiddenAttempts: 4,
		Steps: []grader.TimelineStep{
			journal(1, 1, "get state order", rec, rep, rep, rep, rep, rep),
		},
		Note: "every attempt ended with the same error (500 order ord-9 not found): Restate retries a plain error, and a retry cannot fix it; return a terminal error (restate.ToTerminalError) instead",
	}}}
}

func inMemoryState() *grader.Timeline {
	return &grader.Timeline{More: 10, Invocations: []grader.InvocationTimeline{
		{ID: "inv_4", Target: "OrderService/ord-8c31-479651/CreateOrder", Outcome: "succeeded", Attempts: attempts("completed"),
			Steps: []grader.TimelineStep{journal(1, 1, "run", rec), journal(3, 2, "output", rec)}},
		{ID: "inv_5", Target: "OrderService/ord-8c31-479651/GetOrder", Outcome: "failed: [404] order ord-8c31-479651 not found", Attempts: attempts("completed"),
			Steps: []grader.TimelineStep{journal(1, 1, "output", rec)},
			Note:  "no invocation drawn here has a 'set state' step: nothing was stored in Restate's state, so whatever the handler kept in Go variables is gone once the service restarts"},
	}}
}

func timelineReport() *grader.Report {
	r := sample()
	fail := func(id, title string, tl *grader.Timeline) grader.CriterionResult {
		return grader.CriterionResult{ID: id, Title: title, Status: grader.StatusFail, MaxPoints: 25,
			Evidence: "sent:     a call\nexpected: an answer\nobserved: another", Hint: "a hint", Timeline: tl}
	}
	r.Criteria = []grader.CriterionResult{
		{ID: "pass", Title: "Passes, with no timeline", Status: grader.StatusPass, Points: 25, MaxPoints: 25, Evidence: "checked: x"},
		fail("cancel-once", "Cannot cancel already-cancelled order twice", effectOutsideRun()),
		fail("deterministic-number", "Order number is deterministic (same on retry)", nonDeterministic()),
		fail("cancel-idempotent", "CancelOrder is idempotent", plainErrorRetried()),
		fail("duplicate-create", "Duplicate CreateOrder returns same order", inMemoryState()),
	}
	return r
}

func TestTimelineTextGolden(t *testing.T) {
	var b bytes.Buffer
	require.NoError(t, report.Text(&b, timelineReport(), false))
	out := b.String()
	assert.NotContains(t, out, "\x1b[")
	for _, l := range strings.Split(out, "\n") {
		if tableRow(l) {
			assert.LessOrEqual(t, utf8.RuneCountInString(l), 100, "a timeline row fits 100 columns: %q", l)
		}
		for _, r := range l {
			if r > 127 && r != '·' {
				t.Fatalf("plain ASCII without colour, found %q in %q", r, l)
			}
		}
	}
	assert.Contains(t, out, "! SENT AGAIN", "the effect outside Run shows twice")
	assert.Contains(t, out, "! MISMATCH", "the non-deterministic value shows where the replay differed")
	assert.Contains(t, out, "attempts 1-10: your service answered 500 order ord-9 not found", "the plain error shows on every attempt")
	assert.Contains(t, out, "no invocation drawn here has a 'set state' step", "state kept in memory shows as a journal without set state")
	golden(t, "timeline.txt", b.Bytes())
}

func TestTimelineColourFits(t *testing.T) {
	var b bytes.Buffer
	require.NoError(t, report.Text(&b, timelineReport(), true))
	for _, l := range strings.Split(regexpANSI.ReplaceAllString(b.String(), ""), "\n") {
		if tableRow(l) {
			assert.LessOrEqual(t, utf8.RuneCountInString(l), 100, "%q", l)
		}
	}
	assert.Contains(t, b.String(), "‼", "a terminal gets symbols")
}

func TestTimelineJSONGolden(t *testing.T) {
	var b bytes.Buffer
	require.NoError(t, report.JSON(&b, timelineReport()))
	assert.Contains(t, b.String(), `"timeline": {`)
	golden(t, "timeline.json", b.Bytes())
}

func TestPassingRunDrawsNoTimeline(t *testing.T) {
	var b bytes.Buffer
	require.NoError(t, report.Text(&b, sample(), false))
	assert.NotContains(t, b.String(), "what Restate did")
}

// tableRow tells the drawing's rows from its prose (which wraps to the terminal).
func tableRow(l string) bool {
	l = strings.TrimSpace(l)
	for _, p := range []string{"#", "->", "step ", "ended "} {
		if strings.HasPrefix(l, p) {
			return true
		}
	}
	return false
}

func TestHTMLIsSelfContained(t *testing.T) {
	var b bytes.Buffer
	require.NoError(t, report.HTML(&b, timelineReport()))
	page := b.String()
	for _, external := range []string{"<script", "<link", "src=", "http://", "https://", "@import"} {
		assert.NotContains(t, page, external, "no external assets")
	}
	assert.Contains(t, page, `<td class="again">‼ sent again</td>`)
	assert.Contains(t, page, `<td class="mismatch">≠ mismatch</td>`)
	assert.Contains(t, page, "What Restate did: <code>OrderService/ord-ab17-bee658/CancelOrder</code>")
	assert.Equal(t, 1, strings.Count(page, "<html"))
	golden(t, "timeline.html", b.Bytes())
}
