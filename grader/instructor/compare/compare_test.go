package compare

import (
	"testing"

	"idempotency/grader"

	"github.com/stretchr/testify/assert"
)

func TestReportsListsOnlyWhatDiffers(t *testing.T) {
	ref := &grader.Report{Criteria: []grader.CriterionResult{
		{ID: "a", Status: grader.StatusPass, Checked: []string{"CreateOrder o-1", "ledger: 1 notice"}},
		{ID: "b", Status: grader.StatusPass, Checked: []string{"CancelOrder o-2"}},
		{ID: "c", Status: grader.StatusPass},
	}}
	sub := &grader.Report{Criteria: []grader.CriterionResult{
		{ID: "a", Status: grader.StatusPass, Checked: []string{"CreateOrder o-1", "ledger: 1 notice"}},
		{ID: "b", Status: grader.StatusFail, Sent: "CancelOrder o-2 twice", Expected: "1 notice", Observed: "2 notices"},
		{ID: "c", Status: grader.StatusError, Evidence: "the service exited"},
	}}
	ds := Reports(sub, ref)
	fields := map[string][]string{}
	for _, d := range ds {
		fields[d.Criterion] = append(fields[d.Criterion], d.Field)
	}
	assert.Equal(t, map[string][]string{
		"b": {"status", "sent", "expected", "observed", "checked"},
		"c": {"status", "evidence"},
	}, fields)
	assert.Equal(t, 2, Criteria(ds))
	assert.Empty(t, Reports(ref, ref), "a report never differs from itself")
}
