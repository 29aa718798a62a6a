package ex3_test

import (
	"os"
	"testing"

	"idempotency/grader"
	"idempotency/grader/ex3"
	"idempotency/grader/gradetest"
	"idempotency/grader/report"

	"github.com/stretchr/testify/assert"
)

// logReport prints the whole report when the test runs with -v, to read the evidence.
func logReport(t *testing.T, r *grader.Report) {
	t.Helper()
	if testing.Verbose() {
		_ = report.Text(os.Stdout, r, false)
	}
}

func TestSolutionScoresFullMarks(t *testing.T) {
	t.Parallel()
	gradetest.SolutionScoresFullMarks(t, ex3.Exercise(), 1)
}

func TestStubScoresZero(t *testing.T) {
	t.Parallel()
	gradetest.StubScoresZero(t, ex3.Exercise(), 1)
}

// Each broken copy of the solution loses exactly the criteria its //grade:lose line declares.
func TestBrokenCopiesLoseTheirCriteria(t *testing.T) {
	gradetest.BrokenCopies(t, ex3.Exercise(), 7)
}

// The same submission and seed give the same verdicts and the same evidence.
func TestSameSeedSameReport(t *testing.T) {
	t.Parallel()
	gradetest.SameSeedSameReport(t, ex3.Exercise(), 99)
}

// A failure names its cause: the renamed handler and its likely new name, a plain error
// retried, a product held for a whole TTL, a TTL read in the wrong unit.
func TestFailuresNameTheirCause(t *testing.T) {
	cases := []struct {
		copy      string
		criterion string
		want      []string
	}{
		{"renamed-release-handler", "release-restores", []string{"ReleaseReservation is missing", "CancelReservation: renamed?"}},
		{"release-unknown-plain-error", "release-restores", []string{"plain Go error", "ToTerminalError"}},
		{"sleep-in-reserve", "reservation-expiry", []string{"ran out before the release answered", "restate.Sleep"}},
		{"ttl-wrong-unit", "reservation-expiry", []string{"before its TTL ran out", "time.Millisecond"}},
	}
	for _, tc := range cases {
		t.Run(tc.copy, func(t *testing.T) {
			t.Parallel()
			r := gradetest.Grade(t, ex3.Exercise(), "grader/testdata/broken/ex3/"+tc.copy+".txtar", 1, "")
			logReport(t, r)
			for _, c := range r.Criteria {
				if c.ID != tc.criterion {
					continue
				}
				assert.Equal(t, grader.StatusFail, c.Status)
				for _, w := range tc.want {
					assert.Contains(t, c.Evidence+"\n"+c.Hint, w)
				}
			}
		})
	}
}
