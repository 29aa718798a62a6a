package ex1_test

import (
	"testing"

	"idempotency/grader"
	"idempotency/grader/ex1"
	"idempotency/grader/gradetest"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

var allCriteria = []string{"duplicate-create", "deterministic-number", "cancel-idempotent", "cancel-once", "update-order"}

func TestSolutionScoresFullMarks(t *testing.T) {
	t.Parallel()
	r := gradetest.Grade(t, ex1.Exercise(), "solutions/ex1", 1, "")
	gradetest.AssertLoses(t, r)
	assert.Equal(t, r.MaxScore, r.Score)
	assert.Equal(t, r.BonusMax, r.BonusScore)
	assert.Equal(t, 100, r.MaxScore)
	assert.Equal(t, grader.ExitPass, r.ExitCode())
}

func TestStubScoresZero(t *testing.T) {
	t.Parallel()
	r := gradetest.Grade(t, ex1.Exercise(), "exercises/ex1", 1, "")
	gradetest.AssertLoses(t, r, allCriteria...)
	assert.Zero(t, r.Score)
	assert.Zero(t, r.BonusScore)
	assert.Equal(t, grader.ExitFail, r.ExitCode())
	for _, c := range r.Criteria {
		assert.Contains(t, c.Evidence, "not implemented", c.ID)
	}
}

// Each broken copy of the solution loses exactly the criteria its //grade:lose line declares.
func TestBrokenCopiesLoseTheirCriteria(t *testing.T) {
	gradetest.BrokenCopies(t, ex1.Exercise(), 7)
}

// The same submission and seed give the same verdicts and the same evidence.
func TestSameSeedSameReport(t *testing.T) {
	t.Parallel()
	a := gradetest.Grade(t, ex1.Exercise(), "solutions/ex1", 99, "")
	b := gradetest.Grade(t, ex1.Exercise(), "solutions/ex1", 99, "")
	require.Len(t, b.Criteria, len(a.Criteria))
	for i := range a.Criteria {
		assert.Equal(t, a.Criteria[i].Status, b.Criteria[i].Status)
		assert.Equal(t, a.Criteria[i].Evidence, b.Criteria[i].Evidence)
	}
}

func TestContainerRuntime(t *testing.T) {
	t.Parallel()
	gradetest.RequireDocker(t)
	r := gradetest.Grade(t, ex1.Exercise(), "solutions/ex1", 3, "container")
	assert.Equal(t, "container", r.Runtime)
	gradetest.AssertLoses(t, r)
}
