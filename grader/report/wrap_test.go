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

// long is a report whose evidence, hint and next step are longer than a terminal line.
func long() *grader.Report {
	r := sample()
	r.Criteria[2].Title = "UpdateOrder changes the items only while the order is still pending, never after"
	c := &r.Criteria[1]
	c.Evidence = "sent:     CreateOrder ord-1a2b-3c4d5e with three items, then the same request again after a crash just before completion\n" +
		"expected: the same order number both times, because the number must come from the journal and not from a fresh random draw\n" +
		"observed: 570 journal mismatch: the replayed restate.Run returned a different value than the one recorded in the journal"
	c.Hint = "draw the number inside restate.Run (or with restate.Rand), so that a retry replays the recorded value instead of drawing again"
	return r
}

func TestTextWrapsToWidthUnderLabels(t *testing.T) {
	var b bytes.Buffer
	require.NoError(t, report.TextWith(&b, long(), report.TextOptions{Width: 72}))
	out := b.String()
	for _, l := range strings.Split(out, "\n") {
		assert.LessOrEqual(t, utf8.RuneCountInString(l), 72, "line too long: %q", l)
	}
	golden(t, "report-wrapped.txt", b.Bytes())
	// Continuations sit under the text after their label, not at column 0.
	assert.Contains(t, out, "\n             expected: the same order number both times, because the\n                       number must come")
	assert.Contains(t, out, "\n             hint: draw the number inside restate.Run (or with\n                   restate.Rand)")
	assert.Contains(t, out, "\n  ERROR   0/10  (bonus) UpdateOrder changes the items only while the\n                order is still pending, never after\n")
	assert.Contains(t, out, "\nNext: work on")
	assert.Contains(t, out, "\n      ")
}

func TestTextUnwrappedWithoutWidth(t *testing.T) {
	var b bytes.Buffer
	require.NoError(t, report.TextWith(&b, long(), report.TextOptions{}))
	assert.Contains(t, b.String(), "\n             observed: 570 journal mismatch: the replayed restate.Run returned a different value than the one recorded in the journal\n",
		"not a terminal: plain long lines")
}

func TestTextWrappedColourKeepsWidth(t *testing.T) {
	var b bytes.Buffer
	require.NoError(t, report.TextWith(&b, long(), report.TextOptions{Width: 72, Color: true}))
	plain := regexpANSI.ReplaceAllString(b.String(), "")
	var want bytes.Buffer
	require.NoError(t, report.TextWith(&want, long(), report.TextOptions{Width: 72}))
	assert.Equal(t, want.String(), plain, "colour adds escape codes only, never moves a break")
}
