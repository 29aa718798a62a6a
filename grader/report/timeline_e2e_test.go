package report_test

import (
	"bytes"
	"testing"

	"idempotency/grader"
	"idempotency/grader/ex1"
	"idempotency/grader/report"
	"idempotency/grader/selftest/gradetest"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// One real grading: ex1's notice sent outside restate.Run, crashed before completion.
// Its timeline must show the notice made twice, by the two attempts of one invocation,
// and the passing criteria none.
func TestTimelineOfEffectOutsideRun(t *testing.T) {
	if testing.Short() {
		t.Skip("grades a submission")
	}
	r := gradetest.Grade(t, ex1.Exercise(), "grader/testdata/broken/ex1/notice-outside-run.txtar", 7, "")
	var failed *grader.CriterionResult
	for i, c := range r.Criteria {
		if c.Status == grader.StatusFail {
			failed = &r.Criteria[i]
		} else {
			assert.Nil(t, c.Timeline, "%s did not fail: no timeline", c.ID)
		}
	}
	require.NotNil(t, failed)
	require.Equal(t, "cancel-once", failed.ID)
	require.NotNil(t, failed.Timeline, "the failed criterion carries a timeline")
	inv := failed.Timeline.Invocations[0]
	assert.Contains(t, inv.Target, "/CancelOrder")
	require.Len(t, inv.Attempts, 2)
	assert.Equal(t, "crashed", inv.Attempts[0].End)
	assert.Equal(t, "crash before completion", inv.Attempts[0].Fault)
	var notice *grader.TimelineStep
	for i, s := range inv.Steps {
		if s.Kind == "gateway" {
			notice = &inv.Steps[i]
		}
	}
	require.NotNil(t, notice, "the notice is in the timeline: %+v", inv.Steps)
	assert.Equal(t, []grader.Mark{grader.MarkCalled, grader.MarkAgain}, notice.Marks, "sent by the first attempt, and again by the retry")

	var b bytes.Buffer
	require.NoError(t, report.Text(&b, r, false))
	assert.Contains(t, b.String(), "! SENT AGAIN")
	assert.Contains(t, b.String(), "attempt 2 made the notify call again")
}
