package selftest

import (
	"testing"

	"idempotency/grader"

	"github.com/stretchr/testify/assert"
)

// A copy whose lost criterion does not name the cause its //grade:explains line
// declares is a mismatch; one that names it is not.
func TestJudgeChecksExplanations(t *testing.T) {
	ex := grader.Exercise{ID: "exT", Scenarios: []grader.Scenario{{ID: "c1"}}}
	failed := func(evidence, hint string) *grader.Report {
		return &grader.Report{Criteria: []grader.CriterionResult{{ID: "c1", Status: grader.StatusFail,
			Expected: "e", Observed: "o", Evidence: evidence, Hint: hint}}}
	}
	copyCase := Case{Exercise: ex, Kind: Copy, Name: "go-map", Broken: Broken{Lose: []string{"c1"},
		Explains: map[string][]string{"c1": {"after the restart", "Go map"}}}}

	v := Judge([]Result{{Case: copyCase, Report: failed("404 after the restart", "keep it out of a Go map")}})
	assert.Empty(t, v.Mismatches)

	v = Judge([]Result{{Case: copyCase, Report: failed("404 after the restart", "try again")}})
	assert.Len(t, v.Mismatches, 1)
	assert.Contains(t, v.Mismatches[0], `does not name its cause: evidence and hint lack "Go map"`)
}

// The stub must fail every criterion by saying a handler is not implemented; the
// solution's criteria must add up to 100 points.
func TestJudgeChecksStubAndSolution(t *testing.T) {
	ex := grader.Exercise{ID: "exT", Scenarios: []grader.Scenario{{ID: "c1"}}}
	stub := Case{Exercise: ex, Kind: Stub, Name: "stub"}
	report := func(status grader.Status, evidence string, max int) *grader.Report {
		return &grader.Report{MaxScore: max, Criteria: []grader.CriterionResult{{ID: "c1", Status: status, Evidence: evidence}}}
	}

	assert.True(t, Judge([]Result{{Case: stub, Report: report(grader.StatusFail, "CreateOrder: 501 not implemented", 100)}}).OK())
	v := Judge([]Result{{Case: stub, Report: report(grader.StatusFail, "404 after the restart", 100)}})
	assert.Len(t, v.Mismatches, 1)
	assert.Contains(t, v.Mismatches[0], "without saying a handler is not implemented")

	solution := Case{Exercise: ex, Kind: Solution, Name: "solution"}
	assert.True(t, Judge([]Result{{Case: solution, Report: report(grader.StatusPass, "", 100)}}).OK())
	v = Judge([]Result{{Case: solution, Report: report(grader.StatusPass, "", 90)}})
	assert.Len(t, v.GraderBugs, 1)
	assert.Contains(t, v.GraderBugs[0], "add up to 90 points")
}
