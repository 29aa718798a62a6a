package ex2_test

import (
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"testing"

	"idempotency/grader/ex2"
	"idempotency/grader/gradetest"
	"idempotency/grader/selftest"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestSolutionScoresFullMarks(t *testing.T) {
	t.Parallel()
	gradetest.SolutionScoresFullMarks(t, ex2.Exercise(), 1)
}

func TestStubScoresZero(t *testing.T) {
	t.Parallel()
	gradetest.StubScoresZero(t, ex2.Exercise(), 1)
}

// ruleRow is a row of the README's rule table: "| R4 | ...".
var ruleRow = regexp.MustCompile(`(?m)^\| (R\d+) \|`)

// The broken copies' directives are the one truth of what each must lose. Checked here
// without grading: every criterion is lost by at least two copies, every rule of the
// README's table is broken by at least one, and every rule a copy names is in the table.
func TestBrokenCopiesCoverCriteriaAndRules(t *testing.T) {
	root := gradetest.Root(t)
	copies, err := selftest.LoadBroken(root, "ex2")
	require.NoError(t, err)
	readme, err := os.ReadFile(filepath.Join(root, "exercises", "ex2", "README.md"))
	require.NoError(t, err)
	var rules []string
	for _, m := range ruleRow.FindAllStringSubmatch(string(readme), -1) {
		rules = append(rules, m[1])
	}
	require.NotEmpty(t, rules, "the README has a rule table")

	kills := map[string]int{}
	broken := map[string][]string{}
	for _, b := range copies {
		for _, id := range b.Lose {
			kills[id]++
		}
		for _, r := range b.Rules {
			assert.Contains(t, rules, r, "%s breaks a rule the README's table does not have", b.Name)
			broken[r] = append(broken[r], b.Name)
		}
		if !b.Error {
			assert.NotEmpty(t, b.Rules, "%s names the README rules it breaks (//grade:rule)", b.Name)
		}
	}
	for _, s := range ex2.Exercise().Scenarios {
		assert.GreaterOrEqual(t, kills[s.ID], 2, "broken copies that lose %s", s.ID)
	}
	for _, r := range rules {
		assert.NotEmpty(t, broken[r], "no broken copy breaks README rule %s", r)
	}
	for i, r := range rules {
		assert.Equal(t, fmt.Sprintf("R%d", i+1), r, "the README's rules are numbered R1, R2, ... in order")
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
