package ex3_test

import (
	"testing"

	"idempotency/grader/ex3"
	"idempotency/grader/selftest/gradetest"
)

// The solution scores full marks, twice with one seed (99, another than the self-test's)
// and with the same verdicts and evidence. Broken copies are graded by `make selftest`.
func TestSolutionScoresFullMarksReproducibly(t *testing.T) {
	t.Parallel()
	gradetest.SolutionScoresFullMarksReproducibly(t, ex3.Exercise(), 99)
}

func TestStubScoresZero(t *testing.T) {
	t.Parallel()
	gradetest.StubScoresZero(t, ex3.Exercise(), 1)
}
