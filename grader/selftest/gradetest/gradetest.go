// Package gradetest helps the grader's own tests grade a submission and compare the
// verdicts with what a broken copy is declared to lose.
package gradetest

import (
	"context"
	"os"
	"path/filepath"
	"runtime"
	"sort"
	"testing"
	"time"

	"idempotency/grader"
	rt "idempotency/grader/runtime"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// Root is the module root, found from this file's location.
func Root(t testing.TB) string {
	t.Helper()
	_, file, _, ok := runtime.Caller(0)
	require.True(t, ok)
	return filepath.Clean(filepath.Join(filepath.Dir(file), "..", "..", ".."))
}

// Grade grades the package at dir (relative to the module root) with the native
// runtime, unless kind says otherwise.
func Grade(t testing.TB, ex grader.Exercise, dir string, seed uint64, kind rt.Kind) *grader.Report {
	t.Helper()
	if kind == "" {
		kind = rt.Native
	}
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Minute)
	defer cancel()
	root := Root(t)
	return grader.Grade(ctx, ex, grader.Options{
		Dir:     filepath.Join(root, dir),
		Root:    root,
		Seed:    seed,
		Runtime: rt.Config{Kind: kind},
	})
}

// Verdicts maps criterion id to status.
func Verdicts(r *grader.Report) map[string]grader.Status {
	out := map[string]grader.Status{}
	for _, c := range r.Criteria {
		out[c.ID] = c.Status
	}
	return out
}

// AssertLoses checks that exactly the criteria in lose fail and every other passes.
func AssertLoses(t testing.TB, r *grader.Report, lose ...string) {
	t.Helper()
	want := map[string]grader.Status{}
	for _, c := range r.Criteria {
		want[c.ID] = grader.StatusPass
	}
	for _, id := range lose {
		_, known := want[id]
		require.Truef(t, known, "criterion %q is not in the report", id)
		want[id] = grader.StatusFail
	}
	got := Verdicts(r)
	if !assert.Equal(t, want, got, "verdicts of %s", r.Submission) {
		var ids []string
		for id := range got {
			ids = append(ids, id)
		}
		sort.Strings(ids)
		for _, c := range r.Criteria {
			if c.Status != want[c.ID] {
				t.Logf("%s: %s\n%s", c.ID, c.Status, c.Evidence)
			}
		}
	}
}

// RequireDocker skips the test when no Docker engine answers, unless
// IDEM_REQUIRE_DOCKER=1 (CI), where a missing engine is a failure.
func RequireDocker(t testing.TB) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	if rt.DockerAvailable(ctx) {
		return
	}
	if os.Getenv("IDEM_REQUIRE_DOCKER") == "1" {
		t.Fatal("IDEM_REQUIRE_DOCKER=1 but no Docker engine answers: the container tests must run here")
	}
	t.Skip("skipped: no Docker engine")
}
