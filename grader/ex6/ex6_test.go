package ex6_test

import (
	"testing"

	"idempotency/grader"
	"idempotency/grader/ex6"
	"idempotency/grader/gradetest"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// The solution scores full marks, and the same seed gives the same verdicts and the
// same evidence (one test, so that the suite grades the solution twice, not three times).
func TestSolutionScoresFullMarksReproducibly(t *testing.T) {
	t.Parallel()
	a := gradetest.Grade(t, ex6.Exercise(), "solutions/ex6", 1, "")
	gradetest.AssertLoses(t, a)
	assert.Equal(t, a.MaxScore, a.Score)
	assert.Equal(t, a.BonusMax, a.BonusScore)
	assert.Equal(t, 100, a.MaxScore)
	assert.Equal(t, grader.ExitPass, a.ExitCode())

	b := gradetest.Grade(t, ex6.Exercise(), "solutions/ex6", 1, "")
	require.Len(t, b.Criteria, len(a.Criteria))
	for i := range a.Criteria {
		assert.Equal(t, a.Criteria[i].Status, b.Criteria[i].Status)
		assert.Equal(t, a.Criteria[i].Evidence, b.Criteria[i].Evidence)
	}
}

func TestStubScoresZero(t *testing.T) {
	t.Parallel()
	gradetest.StubScoresZero(t, ex6.Exercise(), 1)
}

type brokenCase struct {
	name string
	lose []string
}

// Each broken copy of the solution loses exactly the criteria it breaks.
func TestBrokenCopiesLoseTheirCriteria(t *testing.T) {
	cases := []brokenCase{
		{name: "no-idempotency-keys", lose: []string{"idempotency-keys"}},
		{name: "keys-from-customer", lose: []string{"idempotency-keys", "no-duplicates"}},
		{name: "result-not-stored", lose: []string{"transaction-idempotent"}},
		{name: "no-result-check", lose: []string{"transaction-idempotent"}},
		{name: "no-compensation-on-payment-failure", lose: []string{"compensation", "saga"}},
		{name: "compensation-runs-twice", lose: []string{"compensation", "no-duplicates", "saga"}},
		{name: "notification-outside-run", lose: []string{"retry-safe"}},
		{name: "confirmation-sent-directly", lose: []string{"idempotency-keys", "retry-safe"}},
		{name: "compensations-forward-order", lose: []string{"saga"}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			r := gradetest.Grade(t, ex6.Exercise(), "grader/testdata/broken/ex6/"+tc.name, 7, "")
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
