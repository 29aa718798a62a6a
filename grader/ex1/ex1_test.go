package ex1_test

import (
	"testing"

	"idempotency/grader/ex1"
	"idempotency/grader/selftest/gradetest"

	"github.com/stretchr/testify/assert"
)

// The solution scores full marks, twice with one seed (99, another than the self-test's)
// and with the same verdicts and evidence. The stub and the broken copies are graded by
// `make selftest` (its judge also checks that the stub fails by "not implemented").
func TestSolutionScoresFullMarksReproducibly(t *testing.T) {
	t.Parallel()
	gradetest.SolutionScoresFullMarksReproducibly(t, ex1.Exercise(), 99)
}

func TestContainerRuntime(t *testing.T) {
	t.Parallel()
	gradetest.RequireDocker(t)
	r := gradetest.Grade(t, ex1.Exercise(), "solutions/ex1", 3, "container")
	assert.Equal(t, "container", r.Runtime)
	gradetest.AssertLoses(t, r)
}
