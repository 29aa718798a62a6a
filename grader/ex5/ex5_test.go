package ex5_test

import (
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"testing"

	"idempotency/grader/ex5"
	"idempotency/grader/gradetest"
	"idempotency/grader/selftest"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestSolutionScoresFullMarks(t *testing.T) {
	t.Parallel()
	gradetest.SolutionScoresFullMarks(t, ex5.Exercise(), 1)
}

func TestStubScoresZero(t *testing.T) {
	t.Parallel()
	gradetest.StubScoresZero(t, ex5.Exercise(), 1)
}

// The broken copies' own //grade: directives are the one list of what each must lose.
// Every criterion is killed by at least two copies, and every rule of the README's rule
// table by at least one copy that declares it.
func TestBrokenCopiesCoverCriteriaAndRules(t *testing.T) {
	root := gradetest.Root(t)
	copies, err := selftest.LoadBroken(root, "ex5")
	require.NoError(t, err)
	kills := map[string]int{}
	ruled := map[string]bool{}
	for _, b := range copies {
		require.False(t, b.Error, b.Name)
		require.NotEmpty(t, b.Rules, "%s declares no //grade:rule", b.Name)
		for _, id := range b.Lose {
			kills[id]++
		}
		for _, r := range b.Rules {
			ruled[r] = true
		}
	}
	for _, s := range ex5.Exercise().Scenarios {
		assert.GreaterOrEqual(t, kills[s.ID], 2, "criterion %s is killed by %d broken copies", s.ID, kills[s.ID])
	}
	rules := readmeRules(t, root)
	require.NotEmpty(t, rules)
	for _, r := range rules {
		assert.True(t, ruled[r], "README rule %s is declared by no broken copy", r)
	}
	for r := range ruled {
		assert.Contains(t, rules, r, "a broken copy declares %s, which the README's rule table does not have", r)
	}
}

// readmeRules returns the rule numbers of the README's rule table: rows "| R<n> | ...".
func readmeRules(t *testing.T, root string) []string {
	t.Helper()
	data, err := os.ReadFile(filepath.Join(root, "exercises", "ex5", "README.md"))
	require.NoError(t, err)
	var rules []string
	for _, m := range regexp.MustCompile(`(?m)^\| \*{0,2}(R\d+)\*{0,2} \|`).FindAllStringSubmatch(string(data), -1) {
		if !slices.Contains(rules, m[1]) {
			rules = append(rules, m[1])
		}
	}
	return rules
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
