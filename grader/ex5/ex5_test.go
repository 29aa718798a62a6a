package ex5_test

import (
	"testing"

	"idempotency/grader/ex5"
	"idempotency/grader/gradetest"
)

func TestSolutionScoresFullMarks(t *testing.T) {
	t.Parallel()
	gradetest.SolutionScoresFullMarks(t, ex5.Exercise(), 1)
}

func TestStubScoresZero(t *testing.T) {
	t.Parallel()
	gradetest.StubScoresZero(t, ex5.Exercise(), 1)
}

// The same submission and seed give the same verdicts and the same evidence.
func TestSameSeedSameReport(t *testing.T) {
	t.Parallel()
	gradetest.SameSeedSameReport(t, ex5.Exercise(), 99)
}
