package ex4_test

import (
	"testing"

	"idempotency/grader/ex4"
	"idempotency/grader/gradetest"
)

func TestSolutionScoresFullMarks(t *testing.T) {
	t.Parallel()
	gradetest.SolutionScoresFullMarks(t, ex4.Exercise(), 1)
}

func TestStubScoresZero(t *testing.T) {
	t.Parallel()
	gradetest.StubScoresZero(t, ex4.Exercise(), 1)
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
	gradetest.SameSeedSameReport(t, ex4.Exercise(), 99)
}
