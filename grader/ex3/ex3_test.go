package ex3_test

import (
	"os"
	"testing"

	"idempotency/grader"
	"idempotency/grader/ex3"
	"idempotency/grader/gradetest"
	"idempotency/grader/report"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

var allCriteria = []string{"stock-accurate", "duplicate-reservation", "release-restores", "concurrent-reservations", "reservation-expiry"}

// logReport prints the whole report when the test runs with -v, to read the evidence.
func logReport(t *testing.T, r *grader.Report) {
	t.Helper()
	if testing.Verbose() {
		_ = report.Text(os.Stdout, r, false)
	}
}

func TestSolutionScoresFullMarks(t *testing.T) {
	t.Parallel()
	for _, seed := range []uint64{1, 2, 3} {
		r := gradetest.Grade(t, ex3.Exercise(), "solutions/ex3", seed, "")
		logReport(t, r)
		gradetest.AssertLoses(t, r)
		assert.Equal(t, r.MaxScore, r.Score, "seed %d", seed)
		assert.Equal(t, r.BonusMax, r.BonusScore, "seed %d", seed)
		assert.Equal(t, 100, r.MaxScore)
		assert.Equal(t, grader.ExitPass, r.ExitCode(), "seed %d", seed)
	}
}

func TestStubScoresZero(t *testing.T) {
	t.Parallel()
	r := gradetest.Grade(t, ex3.Exercise(), "exercises/ex3", 1, "")
	logReport(t, r)
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
	gradetest.BrokenCopies(t, ex3.Exercise(), 7)
}

// The same submission and seed give the same verdicts and the same evidence.
func TestSameSeedSameReport(t *testing.T) {
	t.Parallel()
	a := gradetest.Grade(t, ex3.Exercise(), "solutions/ex3", 99, "")
	b := gradetest.Grade(t, ex3.Exercise(), "solutions/ex3", 99, "")
	require.Len(t, b.Criteria, len(a.Criteria))
	for i := range a.Criteria {
		assert.Equal(t, a.Criteria[i].Status, b.Criteria[i].Status)
		assert.Equal(t, a.Criteria[i].Evidence, b.Criteria[i].Evidence)
	}
}
