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

type brokenCase struct {
	name string
	lose []string
}

// Each broken copy of the solution loses exactly the criteria it breaks.
func TestBrokenCopiesLoseTheirCriteria(t *testing.T) {
	cases := []brokenCase{
		{name: "no-dedupe", lose: []string{"stock-accurate", "duplicate-reservation", "concurrent-reservations"}},
		{name: "release-not-idempotent", lose: []string{"stock-accurate", "release-restores", "reservation-expiry"}},
		{name: "oversell", lose: []string{"stock-accurate", "concurrent-reservations"}},
		{name: "release-unknown-adds-stock", lose: []string{"stock-accurate", "release-restores"}},
		{name: "go-map-state", lose: []string{"stock-accurate"}},
		{name: "expiry-after-release", lose: []string{"reservation-expiry"}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			r := gradetest.Grade(t, ex3.Exercise(), "grader/testdata/broken/ex3/"+tc.name, 7, "")
			logReport(t, r)
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
	a := gradetest.Grade(t, ex3.Exercise(), "solutions/ex3", 99, "")
	b := gradetest.Grade(t, ex3.Exercise(), "solutions/ex3", 99, "")
	require.Len(t, b.Criteria, len(a.Criteria))
	for i := range a.Criteria {
		assert.Equal(t, a.Criteria[i].Status, b.Criteria[i].Status)
		assert.Equal(t, a.Criteria[i].Evidence, b.Criteria[i].Evidence)
	}
}
