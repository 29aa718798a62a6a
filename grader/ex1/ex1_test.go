package ex1_test

import (
	"testing"

	"idempotency/grader/ex1"
	"idempotency/grader/gradetest"

	"github.com/stretchr/testify/assert"
)

func TestSolutionScoresFullMarks(t *testing.T) {
	t.Parallel()
	gradetest.SolutionScoresFullMarks(t, ex1.Exercise(), 1)
}

func TestStubScoresZero(t *testing.T) {
	t.Parallel()
	gradetest.StubScoresZero(t, ex1.Exercise(), 1)
}

// The same submission and seed give the same verdicts and the same evidence.
func TestSameSeedSameReport(t *testing.T) {
	t.Parallel()
	gradetest.SameSeedSameReport(t, ex1.Exercise(), 99)
}

func TestContainerRuntime(t *testing.T) {
	t.Parallel()
	gradetest.RequireDocker(t)
	r := gradetest.Grade(t, ex1.Exercise(), "solutions/ex1", 3, "container")
	assert.Equal(t, "container", r.Runtime)
	gradetest.AssertLoses(t, r)
}
