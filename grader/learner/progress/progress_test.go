package progress_test

import (
	"path/filepath"
	"testing"
	"time"

	"idempotency/grader"
	"idempotency/grader/learner/progress"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func report(score int, statuses ...grader.Status) *grader.Report {
	r := &grader.Report{Exercise: "ex1", Score: score, MaxScore: 100, BonusMax: 10}
	for i, s := range statuses {
		r.Criteria = append(r.Criteria, grader.CriterionResult{ID: string(rune('a' + i)), Status: s})
	}
	return r
}

func TestRecordKeepsTheBestAndTheLastFailures(t *testing.T) {
	dir := t.TempDir()
	t.Setenv(progress.EnvDir, dir)
	s, err := progress.Open()
	require.NoError(t, err)
	assert.Equal(t, filepath.Join(dir, "progress.json"), s.Path)

	st, err := s.Load()
	require.NoError(t, err)
	assert.Empty(t, st.Exercises, "no file yet is an empty state")

	now := time.Date(2026, 11, 27, 12, 0, 0, 0, time.UTC)
	require.NoError(t, s.Update(func(st *progress.State) {
		assert.True(t, st.Record(report(50, grader.StatusPass, grader.StatusFail), now))
	}))
	require.NoError(t, s.Update(func(st *progress.State) {
		assert.True(t, st.Record(report(25, grader.StatusFail, grader.StatusFail), now.Add(time.Minute)))
		assert.False(t, st.Record(report(0, grader.StatusError, grader.StatusError), now), "an unjudged run is no run")
	}))
	st, err = s.Load()
	require.NoError(t, err)
	e := st.Exercises["ex1"]
	require.NotNil(t, e)
	assert.Equal(t, 50, e.BestScore)
	assert.Equal(t, 2, e.Runs)
	assert.Equal(t, []string{"a", "b"}, e.Failing, "the last run's failures")
	assert.Equal(t, now.Add(time.Minute), e.LastRun)
}

func TestStateDirFallsBackToXDG(t *testing.T) {
	t.Setenv(progress.EnvDir, "")
	t.Setenv("XDG_STATE_HOME", "/tmp/xdg-state")
	s, err := progress.Open()
	require.NoError(t, err)
	assert.Equal(t, "/tmp/xdg-state/idempotency-grader/progress.json", s.Path)
}
