package batch

import (
	"bytes"
	"context"
	"encoding/csv"
	"os"
	"path/filepath"
	"strconv"
	"testing"
	"time"

	"idempotency/grader"
	"idempotency/grader/ex1"
	"idempotency/grader/instructor/classreport"
	"idempotency/grader/overlay"
	"idempotency/grader/submission"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func moduleRoot(t *testing.T) string {
	t.Helper()
	root, err := submission.ModuleRoot(".")
	require.NoError(t, err)
	return root
}

// copyTree copies a folder of files (one level) into dst.
func copyTree(t testing.TB, src, dst string) {
	t.Helper()
	require.NoError(t, os.MkdirAll(dst, 0o755))
	entries, err := os.ReadDir(src)
	require.NoError(t, err)
	for _, e := range entries {
		if e.IsDir() {
			continue
		}
		b, err := os.ReadFile(filepath.Join(src, e.Name()))
		require.NoError(t, err)
		require.NoError(t, os.WriteFile(filepath.Join(dst, e.Name()), b, 0o644))
	}
}

func TestBatchGradesAClass(t *testing.T) {
	root := moduleRoot(t)
	class := t.TempDir()
	copyTree(t, filepath.Join(root, "solutions/ex1"), filepath.Join(class, "alice/exercises/ex1"))
	copyTree(t, filepath.Join(root, "exercises/ex1"), filepath.Join(class, "bob/ex1"))
	broken, err := overlay.Load(filepath.Join(root, "grader/testdata/broken/ex1/does-not-compile.txtar"))
	require.NoError(t, err)
	require.NoError(t, broken.Materialize(filepath.Join(root, "solutions/ex1"), filepath.Join(class, "carol/exercises/ex1")))
	require.NoError(t, os.MkdirAll(filepath.Join(class, "dave/notes"), 0o755))
	// A submission that edits the contract changes nothing but its own stub.
	require.NoError(t, os.MkdirAll(filepath.Join(class, "alice/contract/ex1"), 0o755))
	require.NoError(t, os.WriteFile(filepath.Join(class, "alice/contract/ex1/ex1.go"), []byte("package ex1\n\nconst ServiceName = \"Hacked\"\n"), 0o644))
	require.NoError(t, os.WriteFile(filepath.Join(class, "alice/exercises/ex1/go.mod"), []byte("module evil\n"), 0o644))

	subs, err := Discover(class)
	require.NoError(t, err)
	require.Len(t, subs, 4)

	lim := submission.DefaultLimits()
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Minute)
	defer cancel()
	var progress bytes.Buffer
	c, err := Run(ctx, subs, Options{
		Root: root, Exercises: []grader.Exercise{ex1.Exercise()}, Seed: 11, Workers: 2,
		Limits: &lim, Progress: &progress,
	})
	require.NoError(t, err)
	require.Len(t, c.Learners, 4)

	status := map[string]string{}
	score := map[string]int{}
	for _, l := range c.Learners {
		r := l.Results[0]
		status[l.Name], score[l.Name] = r.Status(), r.Report.Score
	}
	assert.Equal(t, map[string]string{"alice": "pass", "bob": "fail", "carol": "error", "dave": "missing"}, status)
	assert.Equal(t, 100, score["alice"])
	assert.Equal(t, 0, score["bob"])
	assert.Contains(t, progress.String(), "[4/4]")
	assert.Contains(t, progress.String(), "left")

	// Nothing is left in the scratch folder.
	left, _ := os.ReadDir(filepath.Join(root, ScratchDir))
	for _, e := range left {
		assert.NotContains(t, e.Name(), strconv.Itoa(os.Getpid())+"-", "scratch folder left behind")
	}

	var csvOut bytes.Buffer
	require.NoError(t, c.CSV(&csvOut))
	rows, err := csv.NewReader(&csvOut).ReadAll()
	require.NoError(t, err)
	require.Len(t, rows, 5)
	assert.Equal(t, []string{"alice", "25", "25", "25", "25", "10", "100", "10", "pass", "100", "10", "100"}, rows[1])
	assert.Equal(t, "error", rows[3][8])

	var js bytes.Buffer
	require.NoError(t, c.WriteJSON(&js))
	back, err := classreport.ReadJSON(&js)
	require.NoError(t, err)
	assert.Equal(t, c.Learners[0].Results[0].Report.Score, back.Learners[0].Results[0].Report.Score)
	assert.Equal(t, uint64(11), back.Seed)
}

// TestDeadlineEndsAHungExercise: an exercise that cannot finish within its deadline is
// reported as not judged, and the batch goes on.
func TestDeadlineEndsAHungExercise(t *testing.T) {
	root := moduleRoot(t)
	class := t.TempDir()
	copyTree(t, filepath.Join(root, "exercises/ex1"), filepath.Join(class, "slow/ex1"))
	subs, err := Discover(class)
	require.NoError(t, err)
	c, err := Run(context.Background(), subs, Options{
		Root: root, Exercises: []grader.Exercise{ex1.Exercise()}, Seed: 1, Workers: 1, Deadline: time.Nanosecond,
	})
	require.NoError(t, err)
	r := c.Learners[0].Results[0]
	assert.Equal(t, "error", r.Status())
	assert.Contains(t, r.Report.Error, "deadline")
	for _, cr := range r.Report.Criteria {
		assert.Equal(t, grader.StatusError, cr.Status)
	}
}
