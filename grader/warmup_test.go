package grader_test

import (
	"context"
	"path/filepath"
	"sync"
	"testing"
	"time"

	"idempotency/contract/ex1"
	"idempotency/grader"
	ex1grader "idempotency/grader/ex1"
	"idempotency/grader/internal/proxy"
	"idempotency/grader/runtime"
	"idempotency/grader/selftest"
	"idempotency/grader/selftest/gradetest"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// A submission that answers the warm-up call with a plain error is not retried until
// Restate's retry policy gives up: the first failed attempt has reached the service,
// so the warm-up ends there and kills its invocation (before the scenarios, and again
// after the restart for the read-backs). The verdicts are the copy's declared ones.
func TestWarmUpEndsAtTheFirstFailedAttempt(t *testing.T) {
	t.Parallel()
	root := gradetest.Root(t)
	copies, err := selftest.LoadBroken(root, "ex1")
	require.NoError(t, err)
	var plain selftest.Broken
	for _, b := range copies {
		if b.Name == "get-unknown-plain-error" {
			plain = b
		}
	}
	require.NotEmpty(t, plain.Dir, "the broken copy get-unknown-plain-error (GetOrder of an unknown order fails with a plain error)")

	ex := ex1grader.Exercise()
	warmUp := proxy.Target{Service: ex1.ServiceName, Handler: ex1.GetOrder, Key: "warm-up"}
	var mu sync.Mutex
	var attempts []int
	for i := range ex.Scenarios {
		run := ex.Scenarios[i].Run
		ex.Scenarios[i].Run = func(ctx context.Context, env *grader.Env) error {
			mu.Lock()
			attempts = append(attempts, env.Proxy.Attempts(warmUp))
			mu.Unlock()
			return run(ctx, env)
		}
	}
	ctx, cancel := context.WithTimeout(context.Background(), 3*time.Minute)
	defer cancel()
	rep := grader.Grade(ctx, ex, grader.Options{
		Dir: filepath.Join(root, plain.Dir), Root: root, Seed: 1, Runtime: runtime.Config{Kind: runtime.Native},
	})
	gradetest.AssertLoses(t, rep, plain.Lose...)
	require.NotEmpty(t, attempts)
	for _, n := range attempts {
		assert.Equal(t, 1, n, "attempts of the warm-up's GetOrder when a scenario started")
	}
}
