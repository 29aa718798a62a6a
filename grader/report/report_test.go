package report_test

import (
	"bytes"
	"encoding/json"
	"flag"
	"os"
	"path/filepath"
	"regexp"
	"testing"

	"idempotency/grader"
	"idempotency/grader/report"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

var update = flag.Bool("update", false, "rewrite the golden files")

// sample is a fixed report with each of the three outcomes.
func sample() *grader.Report {
	return &grader.Report{
		Exercise: "ex1", Title: "Idempotent Order Service", Submission: "exercises/ex1", Seed: 42,
		Score: 25, MaxScore: 50, BonusScore: 0, BonusMax: 10, DurationMS: 2345, Runtime: "native",
		Timings: grader.Timings{Build: 1200, Server: 600, Service: 400, Scenarios: 145},
		Criteria: []grader.CriterionResult{
			{ID: "a", Title: "Duplicate CreateOrder returns same order", Status: grader.StatusPass, Points: 25, MaxPoints: 25,
				Evidence: "checked: CreateOrder o-1; the same CreateOrder again", Checked: []string{"CreateOrder o-1", "the same CreateOrder again"}, Hint: "check first"},
			{ID: "b", Title: "Order number is deterministic (same on retry)", Status: grader.StatusFail, MaxPoints: 25,
				Sent: "CreateOrder o-2 with a crash", Expected: "the order", Observed: "570 journal mismatch",
				Evidence: "sent:     CreateOrder o-2 with a crash\nexpected: the order\nobserved: 570 journal mismatch", Hint: "use restate.Rand"},
			{ID: "c", Title: "UpdateOrder", Status: grader.StatusError, MaxPoints: 10, Bonus: true,
				Evidence: "the grader could not judge this criterion: proxy failed", Hint: "bonus hint"},
		},
	}
}

func golden(t *testing.T, name string, got []byte) {
	t.Helper()
	path := filepath.Join("testdata", name)
	if *update {
		require.NoError(t, os.WriteFile(path, got, 0o644))
	}
	want, err := os.ReadFile(path)
	require.NoError(t, err)
	assert.Equal(t, string(want), string(got))
}

func TestTextGolden(t *testing.T) {
	var b bytes.Buffer
	require.NoError(t, report.Text(&b, sample(), false))
	assert.NotContains(t, b.String(), "\x1b[", "no ANSI codes when colour is off")
	golden(t, "report.txt", b.Bytes())
}

func TestTextColour(t *testing.T) {
	var b bytes.Buffer
	require.NoError(t, report.Text(&b, sample(), true))
	assert.Contains(t, b.String(), "\x1b[", "colour on paints")
}

func TestJSONGolden(t *testing.T) {
	var b bytes.Buffer
	require.NoError(t, report.JSON(&b, sample()))
	assert.NotContains(t, b.String(), "\x1b[")
	var m map[string]any
	require.NoError(t, json.Unmarshal(b.Bytes(), &m))
	for _, k := range []string{"exercise", "seed", "score", "max_score", "bonus_score", "bonus_max", "duration_ms", "criteria"} {
		assert.Contains(t, m, k)
	}
	crit := m["criteria"].([]any)[1].(map[string]any)
	for _, k := range []string{"id", "title", "status", "points", "max_points", "bonus", "evidence", "hint"} {
		assert.Contains(t, crit, k)
	}
	golden(t, "report.json", b.Bytes())
}

var regexpANSI = regexp.MustCompile("\x1b\\[[0-9;]*m")
