package grader_test

import (
	"context"
	"path/filepath"
	"sync"
	"testing"
	"time"

	"idempotency/grader"
	"idempotency/grader/ex1"
	"idempotency/grader/runtime"
	"idempotency/grader/selftest/gradetest"

	"github.com/stretchr/testify/assert"
)

// When a part of the run the grader owns dies mid-run, the criteria it touched are
// reported as "could not judge", never as the learner's failure.
func TestHarnessDeathIsNeverTheLearnersFail(t *testing.T) {
	type testCase struct {
		name string
		kill func(env *grader.Env)
	}
	cases := []testCase{
		{name: "restate-server stops", kill: func(env *grader.Env) { _ = env.Server.Stop() }},
		{name: "fault proxy stops", kill: func(env *grader.Env) { _ = env.Proxy.Close() }},
		{name: "fixture world stops", kill: func(env *grader.Env) { env.World.Close() }},
	}
	root := gradetest.Root(t)
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			ex := ex1.Exercise()
			var once sync.Once
			for i := range ex.Scenarios {
				run := ex.Scenarios[i].Run
				ex.Scenarios[i].Run = func(ctx context.Context, env *grader.Env) error {
					once.Do(func() { tc.kill(env) })
					return run(ctx, env)
				}
			}
			ctx, cancel := context.WithTimeout(context.Background(), 3*time.Minute)
			defer cancel()
			rep := grader.Grade(ctx, ex, grader.Options{
				Dir: filepath.Join(root, "solutions/ex1"), Root: root, Seed: 5,
				Runtime: runtime.Config{Kind: runtime.Native},
			})
			errors := 0
			for _, c := range rep.Criteria {
				assert.NotEqual(t, grader.StatusFail, c.Status, "%s: %s", c.ID, c.Evidence)
				if c.Status == grader.StatusError {
					errors++
				}
			}
			assert.Positive(t, errors, "the dead component must show up as 'could not judge'")
			assert.Equal(t, grader.ExitNoJudge, rep.ExitCode())
		})
	}
}
