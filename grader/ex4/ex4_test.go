package ex4_test

import (
	"testing"

	"idempotency/grader"
	"idempotency/grader/ex4"
	"idempotency/grader/gradetest"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

var allCriteria = []string{"create-once", "cancel-idempotent", "plan-updates", "emails-once", "state-consistent", "renewal"}

func TestSolutionScoresFullMarks(t *testing.T) {
	t.Parallel()
	r := gradetest.Grade(t, ex4.Exercise(), "solutions/ex4", 1, "")
	gradetest.AssertLoses(t, r)
	assert.Equal(t, r.MaxScore, r.Score)
	assert.Equal(t, r.BonusMax, r.BonusScore)
	assert.Equal(t, 100, r.MaxScore)
	assert.Equal(t, 10, r.BonusMax)
	assert.Equal(t, grader.ExitPass, r.ExitCode())
}

func TestStubScoresZero(t *testing.T) {
	t.Parallel()
	r := gradetest.Grade(t, ex4.Exercise(), "exercises/ex4", 1, "")
	gradetest.AssertLoses(t, r, allCriteria...)
	assert.Zero(t, r.Score)
	assert.Zero(t, r.BonusScore)
	assert.Equal(t, grader.ExitFail, r.ExitCode())
	for _, c := range r.Criteria {
		assert.Contains(t, c.Evidence, "not implemented", c.ID)
	}
}

// Each broken copy of the solution loses exactly the criteria its //grade:lose line
// declares. (charge-outside-run loses three: the charge's ID differs on retry and is
// stored, so every retried CreateSubscription fails with a journal mismatch.)
func TestBrokenCopiesLoseTheirCriteria(t *testing.T) {
	gradetest.BrokenCopies(t, ex4.Exercise(), 7)
}

// The same submission and seed give the same verdicts and the same evidence.
func TestSameSeedSameReport(t *testing.T) {
	t.Parallel()
	a := gradetest.Grade(t, ex4.Exercise(), "solutions/ex4", 99, "")
	b := gradetest.Grade(t, ex4.Exercise(), "solutions/ex4", 99, "")
	require.Len(t, b.Criteria, len(a.Criteria))
	for i := range a.Criteria {
		assert.Equal(t, a.Criteria[i].Status, b.Criteria[i].Status)
		assert.Equal(t, a.Criteria[i].Evidence, b.Criteria[i].Evidence)
	}
}
