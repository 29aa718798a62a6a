package ex3_test

import (
	"testing"

	"idempotency/grader/ex3"
	"idempotency/grader/gradetest"
)

func TestSolutionScoresFullMarks(t *testing.T) {
	t.Parallel()
	gradetest.SolutionScoresFullMarks(t, ex3.Exercise(), 1)
}

func TestStubScoresZero(t *testing.T) {
	t.Parallel()
	gradetest.StubScoresZero(t, ex3.Exercise(), 1)
}

// The same submission and seed give the same verdicts and the same evidence.
func TestSameSeedSameReport(t *testing.T) {
	t.Parallel()
	gradetest.SameSeedSameReport(t, ex3.Exercise(), 99)
}
