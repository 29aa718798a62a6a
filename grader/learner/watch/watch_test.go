package watch_test

import (
	"bytes"
	"context"
	"io"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"idempotency/grader"
	"idempotency/grader/ex1"
	"idempotency/grader/learner/watch"
	"idempotency/grader/overlay"
	"idempotency/grader/report"
	"idempotency/grader/runtime"
	"idempotency/grader/selftest/gradetest"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// brokenPackage writes the broken copy NAME of ex1 (an overlay on the reference
// solution) into a new temp package inside the module, removed at cleanup, and returns
// its path.
func brokenPackage(t *testing.T, root, name string) string {
	t.Helper()
	dir, err := os.MkdirTemp(filepath.Join(root, "grader", "testdata"), "tmp-watch-")
	t.Cleanup(func() { os.RemoveAll(dir) })
	require.NoError(t, err)
	broken, err := overlay.Load(filepath.Join(root, "grader", "testdata", "broken", "ex1", name+overlay.Ext))
	require.NoError(t, err)
	require.NoError(t, broken.Materialize(filepath.Join(root, "solutions", "ex1"), dir))
	return dir
}

type run struct {
	rep    *grader.Report
	change watch.Change
	at     time.Time
}

func nextRun(t *testing.T, runs <-chan run) run {
	t.Helper()
	select {
	case r := <-runs:
		return r
	case <-time.After(3 * time.Minute):
		t.Fatal("no grading run within 3 minutes")
		return run{}
	}
}

// Saving a fix re-grades on the same restate-server and reports the criterion that now
// passes; Ctrl-C (the context) leaves nothing running.
func TestWatchRegradesOnSave(t *testing.T) {
	root := gradetest.Root(t)
	dir := brokenPackage(t, root, "second-cancel-fails")
	t.Setenv("TMPDIR", t.TempDir())

	runs := make(chan run, 10)
	var out syncBuffer
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	done := make(chan error, 1)
	go func() {
		done <- watch.Run(ctx, ex1.Exercise(), watch.Options{
			Grade:    grader.Options{Dir: dir, Root: root, Runtime: runtime.Config{Kind: runtime.Native}},
			Debounce: 100 * time.Millisecond,
			Out:      &out, Progress: &out,
			Render:   func(w io.Writer, r *grader.Report) error { return report.Text(w, r, false) },
			OnReport: func(r *grader.Report, c watch.Change) { runs <- run{r, c, time.Now()} },
		})
	}()

	first := nextRun(t, runs)
	assert.True(t, first.change.First)
	assert.Equal(t, grader.StatusFail, status(first.rep, "cancel-idempotent"), out.String())
	assert.Equal(t, "cancel-idempotent", first.change.StillFailingID)
	assert.Contains(t, out.String(), "go run ./cmd/grade hint ex1 cancel-idempotent")

	fixed, err := os.ReadFile(filepath.Join(root, "solutions/ex1/order_service.go"))
	require.NoError(t, err)
	saved := time.Now()
	require.NoError(t, os.WriteFile(filepath.Join(dir, "order_service.go"), fixed, 0o644))

	second := nextRun(t, runs)
	t.Logf("re-grade: %s from save to report (run %d ms: build %d, server %d, service %d, scenarios %d)",
		second.at.Sub(saved).Round(time.Millisecond), second.rep.DurationMS, second.rep.Timings.Build,
		second.rep.Timings.Server, second.rep.Timings.Service, second.rep.Timings.Scenarios)
	assert.False(t, second.change.First)
	assert.Equal(t, []string{"CancelOrder is idempotent"}, second.change.NowPassing)
	assert.Empty(t, second.change.NowFailing)
	assert.Equal(t, second.rep.MaxScore, second.rep.Score, out.String())
	assert.Equal(t, "native binary, kept running between runs", second.rep.Runtime, "the re-grade reused the kept server, and says which it is")
	assert.Contains(t, out.String(), "restate-server: native binary, kept running between runs")
	assert.NotContains(t, out.String(), "restate-server: external")
	assert.NotEqual(t, first.rep.Seed, second.rep.Seed, "each run gets its own seed, so its own keys")
	assert.Contains(t, out.String(), "+ now passing: CancelOrder is idempotent")
	assert.Equal(t, 1, strings.Count(out.String(), "starting restate-server"), "one server for the whole session")

	// A file that is not Go does not trigger a run; a Go file does, after the debounce.
	require.NoError(t, os.WriteFile(filepath.Join(dir, "notes.txt"), []byte("x"), 0o644))
	require.NoError(t, os.WriteFile(filepath.Join(dir, "extra.go"), []byte("package main\n"), 0o644))
	third := nextRun(t, runs)
	assert.Contains(t, out.String(), "extra.go changed")
	assert.Equal(t, third.rep.MaxScore, third.rep.Score)
	assert.Contains(t, out.String(), "no criterion changed")

	cancel()
	select {
	case err := <-done:
		assert.NoError(t, err)
	case <-time.After(time.Minute):
		t.Fatal("watch did not stop after its context ended")
	}
	assert.Empty(t, gradetest.Children(t), "processes left running after watch stopped")
}

func status(r *grader.Report, id string) grader.Status {
	for _, c := range r.Criteria {
		if c.ID == id {
			return c.Status
		}
	}
	return ""
}

type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

func (s *syncBuffer) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}
