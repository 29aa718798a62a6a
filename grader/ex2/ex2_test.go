package ex2_test

import (
	"testing"

	"idempotency/grader/ex2"
	"idempotency/grader/gradetest"
	"idempotency/grader/selftest"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

var allCriteria = []string{"sent-once", "duplicate-send", "failed-send", "resend-safe", "templates"}

func TestSolutionScoresFullMarks(t *testing.T) {
	t.Parallel()
	gradetest.SolutionScoresFullMarks(t, ex2.Exercise(), 1)
}

func TestStubScoresZero(t *testing.T) {
	t.Parallel()
	gradetest.StubScoresZero(t, ex2.Exercise(), 1)
}

// brokenCopies is what each broken copy in grader/testdata/broken/ex2 must lose. The
// copies declare it themselves (//grade:lose); this table keeps the list readable here
// and is checked against them.
var brokenCopies = map[string][]string{
	"smtp-outside-run":          {"sent-once"},
	"transient-marked-failed":   {"sent-once", "templates"},
	"no-existence-check":        {"duplicate-send", "failed-send"},
	"dedupe-by-request":         {"duplicate-send"},
	"send-retries-failed":       {"failed-send"},
	"permanent-error-retried":   {"failed-send", "resend-safe"},
	"failure-returned-as-error": {"failed-send", "resend-safe"},
	"resend-always-sends":       {"resend-safe"},
	"resend-unknown-sends":      {"resend-safe"},
	"resend-outside-run":        {"resend-safe"},
	"template-time-footer":      {"templates"},
	"does-not-compile":          nil, // //grade:error: every criterion "error", exit 3
}

func TestBrokenCopiesDeclareTheTable(t *testing.T) {
	copies, err := selftest.LoadBroken(gradetest.Root(t), "ex2")
	require.NoError(t, err)
	declared := map[string][]string{}
	for _, b := range copies {
		declared[b.Name] = b.Lose
	}
	assert.Equal(t, brokenCopies, declared)
	// Every criterion is lost by at least two copies: each check has teeth twice.
	kills := map[string]int{}
	for _, lose := range brokenCopies {
		for _, id := range lose {
			kills[id]++
		}
	}
	for _, id := range allCriteria {
		assert.GreaterOrEqual(t, kills[id], 2, "broken copies that lose %s", id)
	}
}

// Each broken copy of the solution loses exactly the criteria its //grade:lose line declares.
func TestBrokenCopiesLoseTheirCriteria(t *testing.T) {
	gradetest.BrokenCopies(t, ex2.Exercise(), 7)
}

// The same submission and seed give the same verdicts and the same evidence.
func TestSameSeedSameReport(t *testing.T) {
	t.Parallel()
	gradetest.SameSeedSameReport(t, ex2.Exercise(), 99)
}
