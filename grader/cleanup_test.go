package grader_test

import (
	"context"
	"os"
	"path/filepath"
	"testing"
	"time"

	"idempotency/grader"
	"idempotency/grader/ex1"
	"idempotency/grader/runtime"
	"idempotency/grader/selftest/gradetest"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// Wherever an interrupt lands (before the build, while the server starts, in the middle
// of the scenarios, after the end), Grade stops everything it started and removes its
// temp dirs.
func TestInterruptLeavesNothingRunning(t *testing.T) {
	root := gradetest.Root(t)
	for _, after := range []time.Duration{0, 300 * time.Millisecond, 1200 * time.Millisecond, 2500 * time.Millisecond, time.Minute} {
		t.Run(after.String(), func(t *testing.T) {
			tmp := t.TempDir()
			t.Setenv("TMPDIR", tmp)
			ctx, cancel := context.WithCancel(context.Background())
			var timer *time.Timer
			if after == 0 {
				cancel()
			} else {
				timer = time.AfterFunc(after, cancel)
			}
			defer cancel()
			rep := grader.Grade(ctx, ex1.Exercise(), grader.Options{
				Dir: filepath.Join(root, "solutions/ex1"), Root: root, Seed: 1,
				Runtime: runtime.Config{Kind: runtime.Native},
			})
			if timer != nil {
				timer.Stop()
			}
			require.NotNil(t, rep)
			assert.Empty(t, gradetest.Children(t), "processes left running after Grade returned")
			entries, err := os.ReadDir(tmp)
			require.NoError(t, err)
			var names []string
			for _, e := range entries {
				names = append(names, e.Name())
			}
			assert.Empty(t, names, "temp files left behind")
			if ctx.Err() != nil && after != time.Minute {
				for _, c := range rep.Criteria {
					assert.NotEqual(t, grader.StatusFail, c.Status, "an interrupt is never the learner's failure (%s)", c.ID)
				}
			}
		})
	}
}
