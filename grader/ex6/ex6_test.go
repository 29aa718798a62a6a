package ex6_test

import (
	"testing"

	"idempotency/grader/ex6"
	"idempotency/grader/gradetest"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// The solution scores full marks, and the same seed gives the same verdicts and the
// same evidence (one test, so that the suite grades the solution twice, not three times).
func TestSolutionScoresFullMarksReproducibly(t *testing.T) {
	t.Parallel()
	a := gradetest.SolutionScoresFullMarks(t, ex6.Exercise(), 1)
	b := gradetest.Grade(t, ex6.Exercise(), "solutions/ex6", 1, "")
	require.Len(t, b.Criteria, len(a.Criteria))
	for i := range a.Criteria {
		assert.Equal(t, a.Criteria[i].Status, b.Criteria[i].Status, a.Criteria[i].ID)
		assert.Equal(t, a.Criteria[i].Evidence, b.Criteria[i].Evidence, a.Criteria[i].ID)
	}
}

func TestStubScoresZero(t *testing.T) {
	t.Parallel()
	gradetest.StubScoresZero(t, ex6.Exercise(), 1)
}
