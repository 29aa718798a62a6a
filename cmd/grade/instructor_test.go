package main

import (
	"encoding/csv"
	"os"
	"path/filepath"
	"testing"

	"idempotency/grader"
	"idempotency/grader/instructor/classreport"
	"idempotency/grader/overlay"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestInstructorUsage(t *testing.T) {
	cases := []testCase{
		{name: "batch without folder", args: []string{"batch"}, exit: 2, stderr: "name the folder"},
		{name: "batch bad shard", args: []string{"batch", t.TempDir(), "--shard", "3/2"}, exit: 2, stderr: "want i/n"},
		{name: "batch unknown hidden", args: []string{"batch", t.TempDir(), "ex1", "--hidden", "nope"}, exit: 2, stderr: `no criterion "nope"`},
		{name: "batch unknown exercise", args: []string{"batch", t.TempDir(), "ex9"}, exit: 2, stderr: `unknown exercise "ex9"`},
		{name: "compare without dir", args: []string{"compare", "ex1"}, exit: 2, stderr: "--dir"},
		{name: "merge nothing", args: []string{"merge"}, exit: 2, stderr: "class.json"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			code, out, errOut := runArgs(t, tc.args...)
			assert.Equal(t, tc.exit, code)
			assert.Contains(t, out, tc.stdout)
			assert.Contains(t, errOut, tc.stderr)
		})
	}
}

// shardFile writes a class.json with the given learners, each with full marks on ex1.
func shardFile(t *testing.T, dir, shard string, learners ...string) string {
	t.Helper()
	c := &classreport.Class{Seed: 9, Exercises: []string{"ex1"}, Shard: shard,
		Criteria: map[string][]classreport.Criterion{"ex1": {{ID: "duplicate-create", Points: 100}}}}
	for _, l := range learners {
		rep := &grader.Report{Exercise: "ex1", Score: 100, MaxScore: 100, Criteria: []grader.CriterionResult{
			{ID: "duplicate-create", Status: grader.StatusPass, Points: 100, MaxPoints: 100}}}
		c.Learners = append(c.Learners, classreport.Learner{Name: l, Results: []classreport.Result{{Exercise: "ex1", Report: rep}}})
	}
	path := filepath.Join(dir, shard[:1], "class.json")
	require.NoError(t, os.MkdirAll(filepath.Dir(path), 0o755))
	f, err := os.Create(path)
	require.NoError(t, err)
	defer f.Close()
	require.NoError(t, c.WriteJSON(f))
	return path
}

func TestMergeWritesOneClass(t *testing.T) {
	dir := t.TempDir()
	a := shardFile(t, dir, "1/2", "zoe", "adam")
	b := shardFile(t, dir, "2/2", "mia")
	out := filepath.Join(dir, "merged")
	code, stdout, stderr := runArgs(t, "merge", "--out", out, a, filepath.Dir(b), "--hidden", "all")
	require.Equal(t, 0, code, stderr)
	assert.Contains(t, stdout, "merged 2 shards: 3 submissions")

	f, err := os.Open(filepath.Join(out, "gradebook.csv"))
	require.NoError(t, err)
	defer f.Close()
	rows, err := csv.NewReader(f).ReadAll()
	require.NoError(t, err)
	require.Len(t, rows, 4)
	assert.Equal(t, []string{"adam", "mia", "zoe"}, []string{rows[1][0], rows[2][0], rows[3][0]})
	gs, err := os.ReadFile(filepath.Join(out, "gradescope", "mia", "results.json"))
	require.NoError(t, err)
	assert.Contains(t, string(gs), `"after_due_date"`)

	code, _, stderr = runArgs(t, "merge", "--out", out, a, a)
	assert.Equal(t, 2, code)
	assert.Contains(t, stderr, "is in shard 1 and shard 2")
}

func TestCompareShowsWhereObservationsDiffer(t *testing.T) {
	// A learner's folder: the broken copy's files on top of the reference solution's.
	dir := filepath.Join(t.TempDir(), "ex1")
	broken, err := overlay.Load("../../grader/testdata/broken/ex1/second-cancel-renotifies.txtar")
	require.NoError(t, err)
	require.NoError(t, broken.Materialize("../../solutions/ex1", dir))
	code, out, errOut := runArgs(t, "compare", "ex1", "--dir", dir, "--seed", "3")
	require.Equal(t, 1, code, errOut)
	assert.Contains(t, out, "compared with the reference solutions/ex1 (seed 3)")
	assert.Regexp(t, `cancel-once\s+fail\s+pass\s+\d+ difference`, out)
	assert.Regexp(t, `duplicate-create\s+pass\s+pass\s+same observations`, out)
	assert.Contains(t, out, "observed\n    submission: ")
	assert.Contains(t, out, "score: submission 75/100, reference 100/100")
}
