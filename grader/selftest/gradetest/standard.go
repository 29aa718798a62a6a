package gradetest

import (
	"testing"

	"idempotency/grader"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// SolutionScoresFullMarks grades ex's reference solution: every criterion passes, the
// bonus included, and the run exits 0.
func SolutionScoresFullMarks(t *testing.T, ex grader.Exercise, seed uint64) *grader.Report {
	t.Helper()
	r := Grade(t, ex, ex.Solution, seed, "")
	AssertLoses(t, r)
	assert.Equal(t, r.MaxScore, r.Score)
	assert.Equal(t, r.BonusMax, r.BonusScore)
	assert.Equal(t, 100, r.MaxScore, "scored criteria add up to 100")
	assert.Equal(t, grader.ExitPass, r.ExitCode())
	return r
}

// SolutionScoresFullMarksReproducibly grades ex's reference solution twice with one
// seed: full marks (bonus included, exit 0), and the same verdicts and the same evidence,
// word for word, the second time.
func SolutionScoresFullMarksReproducibly(t *testing.T, ex grader.Exercise, seed uint64) {
	t.Helper()
	a := SolutionScoresFullMarks(t, ex, seed)
	b := Grade(t, ex, ex.Solution, seed, "")
	require.Len(t, b.Criteria, len(a.Criteria))
	for i := range a.Criteria {
		assert.Equal(t, a.Criteria[i].Status, b.Criteria[i].Status, a.Criteria[i].ID)
		assert.Equal(t, a.Criteria[i].Evidence, b.Criteria[i].Evidence, a.Criteria[i].ID)
	}
}
