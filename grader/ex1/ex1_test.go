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

func TestDoesNotCompileIsError(t *testing.T) {
	t.Parallel()
	r := gradetest.Grade(t, ex1.Exercise(), "grader/testdata/broken/ex1/does-not-compile", 1, "")
	assert.Equal(t, grader.ExitNoJudge, r.ExitCode())
	for _, c := range r.Criteria {
		assert.Equal(t, grader.StatusError, c.Status, c.ID)
		assert.Contains(t, c.Evidence, "does not compile")
		assert.Contains(t, c.Evidence, "missing method")
	}
}

type brokenCase struct {
	name string
	lose []string
}

// Each broken copy of the solution loses exactly the criteria it breaks.
func TestBrokenCopiesLoseTheirCriteria(t *testing.T) {
	cases := []brokenCase{
		{name: "no-existence-check", lose: []string{"duplicate-create", "cancel-once"}},
		{name: "math-rand-number", lose: []string{"deterministic-number"}},
		{name: "time-now-createdat", lose: []string{"deterministic-number"}},
		{name: "second-cancel-fails", lose: []string{"cancel-idempotent"}},
		{name: "second-cancel-renotifies", lose: []string{"cancel-once"}},
		{name: "cancel-unknown-creates", lose: []string{"cancel-idempotent"}},
		{name: "update-cancelled-allowed", lose: []string{"update-order"}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			r := gradetest.Grade(t, ex1.Exercise(), "grader/testdata/broken/ex1/"+tc.name, 7, "")
			gradetest.AssertLoses(t, r, tc.lose...)
			for _, c := range r.Criteria {
				if c.Status == grader.StatusFail {
					assert.NotEmpty(t, c.Expected, c.ID)
					assert.NotEmpty(t, c.Observed, c.ID)
					assert.NotEmpty(t, c.Hint, c.ID)
				}
			}
		})
	}
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
