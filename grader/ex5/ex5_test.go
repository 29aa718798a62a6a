package ex5_test

import (
	"maps"
	"slices"
	"testing"

	"idempotency/grader/ex5"
	"idempotency/grader/gradetest"
	"idempotency/grader/selftest"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

var allCriteria = []string{"processed-once", "duplicate-success", "independent", "side-effects-once", "replay"}

// brokenCopies is every broken copy of the solution and the criteria it must lose. Each
// copy declares the same in its //grade:lose line; TestBrokenCopiesAreListed keeps the two
// in step.
var brokenCopies = map[string][]string{
	"no-signature-check":            {"processed-once"},
	"bad-signature-marks-processed": {"processed-once"},
	"stale-signature-accepted":      {"processed-once"},
	"reencoded-body-signature":      {"processed-once"},
	"duplicate-returns-error":       {"duplicate-success"},
	"dedupe-by-body-hash":           {"duplicate-success"},
	"duplicate-reads-gateway":       {"duplicate-success"},
	"global-lock":                   {"independent"},
	"one-ledger-object":             {"independent"},
	"effects-outside-run":           {"side-effects-once"},
	"dedupe-in-go-map":              {"side-effects-once"},
	"all-errors-terminal":           {"side-effects-once"},
	"replay-not-recorded":           {"replay"},
	"replay-without-effects":        {"replay"},
}

func TestSolutionScoresFullMarks(t *testing.T) {
	t.Parallel()
	gradetest.SolutionScoresFullMarks(t, ex5.Exercise(), 1)
}

func TestStubScoresZero(t *testing.T) {
	t.Parallel()
	gradetest.StubScoresZero(t, ex5.Exercise(), 1)
}

// The table above and the copies' own //grade:lose lines say the same.
func TestBrokenCopiesAreListed(t *testing.T) {
	copies, err := selftest.LoadBroken(gradetest.Root(t), "ex5")
	require.NoError(t, err)
	declared := map[string][]string{}
	for _, b := range copies {
		require.False(t, b.Error, b.Name)
		declared[b.Name] = slices.Sorted(slices.Values(b.Lose))
	}
	listed := map[string][]string{}
	for name, lose := range brokenCopies {
		listed[name] = slices.Sorted(slices.Values(lose))
	}
	assert.Equal(t, listed, declared)
	// Every scored criterion and the bonus can be lost by some copy.
	killed := map[string]bool{}
	for _, lose := range brokenCopies {
		for _, id := range lose {
			killed[id] = true
		}
	}
	assert.ElementsMatch(t, allCriteria, slices.Collect(maps.Keys(killed)))
}

// Each broken copy of the solution loses exactly the criteria it declares.
func TestBrokenCopiesLoseTheirCriteria(t *testing.T) {
	gradetest.BrokenCopies(t, ex5.Exercise(), 7)
}

// The same submission and seed give the same verdicts and the same evidence.
func TestSameSeedSameReport(t *testing.T) {
	t.Parallel()
	gradetest.SameSeedSameReport(t, ex5.Exercise(), 99)
}
