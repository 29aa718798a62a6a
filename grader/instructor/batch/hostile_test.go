package batch

import (
	"context"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"idempotency/grader"
	"idempotency/grader/ex1"
	"idempotency/grader/instructor/classreport"
	"idempotency/grader/submission"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// hostileOut is where the write-grader-output copy tries to plant a forged report.
const hostileOut = "/tmp/idem-hostile-out"

// TestHostileSubmissionsAreContained grades the hostile copies of grader/testdata/hostile
// beside a reference copy: the batch completes, each hostile copy loses what it breaks,
// the reference copy keeps full marks, and nothing a copy started or wrote survives.
func TestHostileSubmissionsAreContained(t *testing.T) {
	root := moduleRoot(t)
	if !submission.CgroupsWritable() {
		t.Log("cgroups not writable: rlimits only")
	}
	class := t.TempDir()
	hostile := filepath.Join(root, "grader/testdata/hostile/ex1")
	entries, err := os.ReadDir(hostile)
	require.NoError(t, err)
	for _, e := range entries {
		copyTree(t, filepath.Join(hostile, e.Name()), filepath.Join(class, e.Name(), "exercises/ex1"))
	}
	copyTree(t, filepath.Join(root, "solutions/ex1"), filepath.Join(class, "reference-copy/ex1"))
	require.NoError(t, os.RemoveAll(hostileOut))
	t.Cleanup(func() { os.RemoveAll(hostileOut); os.Remove("/tmp/pwned.txt") })
	require.NoError(t, classreport.PrepareDir(hostileOut))

	subs, err := Discover(class)
	require.NoError(t, err)
	lim := submission.DefaultLimits()
	lim.CPUTime = 5 * time.Second // the spinning copy is killed sooner (a grading of ex1 uses well under 1 CPU-s)
	ctx, cancel := context.WithTimeout(context.Background(), 8*time.Minute)
	defer cancel()
	c, err := Run(ctx, subs, Options{
		Root: root, Exercises: []grader.Exercise{ex1.Exercise()}, Seed: 5, Workers: 2,
		Deadline: 3 * time.Minute, Limits: &lim,
	})
	require.NoError(t, err)
	_, err = classreport.WriteFiles(hostileOut, c, classreport.Instructor())
	require.NoError(t, err)

	reports := map[string]*grader.Report{}
	for _, l := range c.Learners {
		r := l.Results[0].Report
		reports[l.Name] = r
		t.Logf("%-22s %3d/%d %s", l.Name, r.Score, r.MaxScore, firstLine(r.Error))
	}
	require.Len(t, reports, len(entries)+1)
	assert.Equal(t, 100, reports["reference-copy"].Score, "a neighbour's misbehaviour cost the reference copy points: %+v", reports["reference-copy"])

	status := func(name, criterion string) grader.Status {
		for _, cr := range reports[name].Criteria {
			if cr.ID == criterion {
				return cr.Status
			}
		}
		return ""
	}
	for _, name := range []string{"spin-in-handler", "fill-memory", "exit-in-handler"} {
		assert.NotEqual(t, grader.StatusPass, status(name, "cancel-idempotent"), name)
		assert.NotEqual(t, grader.StatusPass, status(name, "cancel-once"), name)
		assert.Less(t, reports[name].Score, 100, name)
	}
	assert.Equal(t, 0, reports["exit-at-start"].Score)
	for _, cr := range reports["exit-at-start"].Criteria {
		assert.Equal(t, grader.StatusError, cr.Status, "exit-at-start %s", cr.ID)
	}

	// The fork loop's children left the process group; the cgroup found them all.
	assert.Empty(t, processesWith("hostile-fork-child"), "fork-loop children survived")
	if submission.CgroupsWritable() {
		for _, ctl := range []string{"memory", "pids", "cpu"} {
			left, _ := filepath.Glob(filepath.Join(submission.CgroupRoot, ctl, "idem-grader", strconv.Itoa(os.Getpid())+"-*"))
			assert.Empty(t, left, "cgroups left behind")
		}
	}

	// The grader's output is the grader's: no forged report, and when the service ran as
	// nobody (the grader is root), no planted file either.
	_, err = os.Stat(filepath.Join(hostileOut, "pwned.txt"))
	if os.Geteuid() == 0 {
		assert.True(t, os.IsNotExist(err), "a submission wrote into the grader's output folder")
	}
	f, err := os.Open(filepath.Join(hostileOut, "class.json"))
	require.NoError(t, err)
	defer f.Close()
	got, err := classreport.ReadJSON(f)
	require.NoError(t, err)
	assert.Equal(t, uint64(5), got.Seed)
	assert.Len(t, got.Learners, len(entries)+1)
	if os.Geteuid() == 0 {
		// The compiled WASM core shared read-only with the services is intact.
		cacheRoot, err := submission.CacheRoot()
		require.NoError(t, err)
		cached, _ := filepath.Glob(filepath.Join(cacheRoot, "wasm", "*", "*"))
		assert.NotEmpty(t, cached, "the grader compiled the core for services run as nobody")
		for _, c := range cached {
			b, err := os.ReadFile(c)
			require.NoError(t, err)
			assert.NotEqual(t, "pwned", string(b), "a submission overwrote the shared compiled core %s", c)
		}
		wd, _ := os.Getwd()
		_, err = os.Stat(filepath.Join(wd, "pwned.txt"))
		assert.True(t, os.IsNotExist(err), "a submission wrote into the grader's working directory")
	}
}

// processesWith lists the pids whose command line contains s.
func processesWith(s string) []string {
	var out []string
	dirs, _ := filepath.Glob("/proc/[0-9]*/cmdline")
	for _, p := range dirs {
		b, err := os.ReadFile(p)
		if err == nil && strings.Contains(string(b), s) {
			out = append(out, filepath.Base(filepath.Dir(p)))
		}
	}
	return out
}

func firstLine(s string) string {
	s, _, _ = strings.Cut(s, "\n")
	return s
}
