package main

import (
	"bytes"
	"context"
	"idempotency/grader/selftest/mutate"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestListSamplesWithoutGrading(t *testing.T) {
	var out, errOut bytes.Buffer
	err := run(context.Background(), []string{"--list", "--only", "ex1", "--sample", "5", "--ops", "negate,4"}, &out, &errOut)
	require.NoError(t, err, errOut.String())
	lines := strings.Split(strings.TrimSpace(out.String()), "\n")
	assert.Len(t, lines, 5)
	for _, l := range lines {
		assert.Regexp(t, `^ex1 (negate|drop-state-write)/order_service\.go:\d+:\d+/[0-9a-f]{6} \| `, l)
	}
	assert.Contains(t, errOut.String(), "grading a sample of 5")
}

func TestUsageErrors(t *testing.T) {
	var out, errOut bytes.Buffer
	assert.ErrorContains(t, run(context.Background(), []string{"--ops", "nope", "--list"}, &out, &errOut), `unknown operator "nope"`)
	assert.ErrorContains(t, run(context.Background(), []string{"--only", "ex9", "--list"}, &out, &errOut), "no exercise matches")
}

func TestRescoreReportsAnEarlierRunAgain(t *testing.T) {
	var out, errOut bytes.Buffer
	require.NoError(t, run(context.Background(), []string{"--list", "--only", "ex1", "--ops", "drop-state-write"}, &out, &errOut))
	id := strings.Fields(strings.Split(out.String(), "\n")[0])[1]
	old := `{"seed": 1, "workers": 3, "duration_ms": 60000, "exercises": [{"exercise": "ex1", "mutants": [
		{"id": "` + id + `", "operator": "drop-state-write", "status": "killed", "failed": ["cancel-once"]},
		{"id": "drop-state-write/order_service.go:1:1/000000", "operator": "drop-state-write", "status": "survived"}]}]}`
	path := filepath.Join(t.TempDir(), "mutants.json")
	require.NoError(t, os.WriteFile(path, []byte(old), 0o644))

	out.Reset()
	errOut.Reset()
	require.NoError(t, run(context.Background(), []string{"--only", "ex1", "--ops", "drop-state-write", "--rescore", path, "--min-score", "95"}, &out, &errOut))
	assert.Regexp(t, `ex1\s+1\s+1\s+0\s+0\s+0\s+0\s+0\s+\d+\s+100\.0%`, out.String())
	assert.Contains(t, errOut.String(), "drop-state-write/order_service.go:1:1/000000 is no longer generated")
}

// --min-score fails an exercise whose graded mutants all errored: no score is no pass.
func TestMinScoreFailsWhenNothingWasJudged(t *testing.T) {
	sum := &mutate.Summary{Exercises: []mutate.ExerciseSummary{
		{Exercise: "ex1", Total: mutate.Tally{Graded: 3, Killed: 3, Score: 100}},
		{Exercise: "ex2", Total: mutate.Tally{Graded: 2, Errors: 2, Score: -1}},
	}}
	assert.NoError(t, checkScores(sum, 0))
	err := checkScores(sum, 100)
	require.Error(t, err)
	assert.Contains(t, err.Error(), "ex2: none of its mutants could be judged")
	assert.NotContains(t, err.Error(), "ex1")
}
