package ex2_test

import (
	"testing"

	"idempotency/grader/ex2"
	"idempotency/grader/selftest/gradetest"
)

// The solution scores full marks, twice with one seed (99, another than the self-test's)
// and with the same verdicts and evidence. The stub and the broken copies are graded by
// `make selftest` (its judge also checks that the stub fails by "not implemented").
func TestSolutionScoresFullMarksReproducibly(t *testing.T) {
	t.Parallel()
	gradetest.SolutionScoresFullMarksReproducibly(t, ex2.Exercise(), 99)
}
