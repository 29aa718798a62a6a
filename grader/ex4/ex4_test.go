package ex4_test

import (
	"testing"

	"idempotency/grader"
	"idempotency/grader/ex4"
	"idempotency/grader/gradetest"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

var allCriteria = []string{"create-once", "cancel-idempotent", "plan-updates", "emails-once", "state-consistent", "renewal"}

func TestSolutionScoresFullMarks(t *testing.T) {
	t.Parallel()
	r := gradetest.Grade(t, ex4.Exercise(), "solutions/ex4", 1, "")
	gradetest.AssertLoses(t, r)
	assert.Equal(t, r.MaxScore, r.Score)
	assert.Equal(t, r.BonusMax, r.BonusScore)
	assert.Equal(t, 100, r.MaxScore)
	assert.Equal(t, 10, r.BonusMax)
	assert.Equal(t, grader.ExitPass, r.ExitCode())
}

func TestStubScoresZero(t *testing.T) {
	t.Parallel()
	r := gradetest.Grade(t, ex4.Exercise(), "exercises/ex4", 1, "")
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
		// The charge's ID differs on retry, and it is stored: the retry fails with a journal
		// mismatch wherever CreateSubscription is retried after the charge.
		{name: "charge-outside-run", lose: []string{"create-once", "emails-once", "state-consistent"}},
		{name: "no-existence-check", lose: []string{"create-once"}},
		{name: "second-cancel-refunds-again", lose: []string{"cancel-idempotent"}},
		{name: "proration-off-by-one", lose: []string{"cancel-idempotent", "plan-updates"}},
		{name: "same-plan-charges", lose: []string{"plan-updates"}},
		{name: "email-outside-run", lose: []string{"emails-once"}},
		{name: "state-before-charge", lose: []string{"state-consistent"}},
		{name: "renewal-after-cancel", lose: []string{"renewal"}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			r := gradetest.Grade(t, ex4.Exercise(), "grader/testdata/broken/ex4/"+tc.name, 7, "")
			gradetest.AssertLoses(t, r, tc.lose...)
			for _, c := range r.Criteria {
				if c.Status == grader.StatusFail {
					assert.NotEmpty(t, c.Sent, c.ID)
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
	a := gradetest.Grade(t, ex4.Exercise(), "solutions/ex4", 99, "")
	b := gradetest.Grade(t, ex4.Exercise(), "solutions/ex4", 99, "")
	require.Len(t, b.Criteria, len(a.Criteria))
	for i := range a.Criteria {
		assert.Equal(t, a.Criteria[i].Status, b.Criteria[i].Status)
		assert.Equal(t, a.Criteria[i].Evidence, b.Criteria[i].Evidence)
	}
}
