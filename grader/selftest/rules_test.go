package selftest

import (
	"os"
	"path/filepath"
	"testing"

	"idempotency/grader"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestRulesAndCoverage(t *testing.T) {
	root := t.TempDir()
	require.NoError(t, os.MkdirAll(filepath.Join(root, "exercises/exT"), 0o755))
	readme := "# T\n\n| rule | text | criterion |\n|---|---|---|\n| R1 | a | c1 |\n| **R2** | b | c2 |\n| R3 | c | c1 |\nR4 in prose is not a row\n"
	require.NoError(t, os.WriteFile(filepath.Join(root, "exercises/exT/README.md"), []byte(readme), 0o644))
	rules, err := Rules(root, "exercises/exT")
	require.NoError(t, err)
	assert.Equal(t, []string{"R1", "R2", "R3"}, rules)

	ex := grader.Exercise{ID: "exT", Stub: "exercises/exT", Scenarios: []grader.Scenario{{ID: "c1"}, {ID: "c2"}}}
	report := func(c1, c2 grader.Status) *grader.Report {
		return &grader.Report{Criteria: []grader.CriterionResult{{ID: "c1", Status: c1}, {ID: "c2", Status: c2}}}
	}
	results := []Result{
		{Case: Case{Exercise: ex, Kind: Solution, Name: "solution"}, Report: report("pass", "pass")},
		{Case: Case{Exercise: ex, Kind: Copy, Name: "kills-r1", Broken: Broken{Lose: []string{"c1"}, Rules: []string{"R1", "R9"}}}, Report: report("fail", "pass")},
		// Declares R2 but its verdicts differ from the declaration: it does not count.
		{Case: Case{Exercise: ex, Kind: Copy, Name: "misjudged", Broken: Broken{Lose: []string{"c2"}, Rules: []string{"R2"}}}, Report: report("fail", "fail")},
	}
	cov, err := CoverRules(root, results)
	require.NoError(t, err)
	require.Len(t, cov, 1)
	assert.Equal(t, []string{"kills-r1"}, cov[0].KilledBy["R1"])
	assert.Equal(t, []string{"R2", "R3"}, cov[0].Uncovered())
	assert.Equal(t, []string{"R9"}, cov[0].Unknown)
	assert.Contains(t, cov[0].String(), "R2   NOT KILLED")
}
