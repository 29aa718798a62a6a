package deploy

import (
	"bytes"
	"context"
	"encoding/base64"
	"encoding/json"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"idempotency/grader/overlay"
	"idempotency/grader/submission"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"go.yaml.in/yaml/v3"
)

func moduleRoot(t *testing.T) string {
	t.Helper()
	root, err := submission.ModuleRoot(".")
	require.NoError(t, err)
	return root
}

func copyDir(t *testing.T, src, dst string) {
	t.Helper()
	require.NoError(t, os.MkdirAll(dst, 0o755))
	entries, err := os.ReadDir(src)
	require.NoError(t, err)
	for _, e := range entries {
		if e.Type().IsRegular() {
			b, err := os.ReadFile(filepath.Join(src, e.Name()))
			require.NoError(t, err)
			require.NoError(t, os.WriteFile(filepath.Join(dst, e.Name()), b, 0o644))
		}
	}
}

// bash runs a script the way GitHub Actions' and Gradescope's bash would.
func bash(t *testing.T, dir string, env []string, script string) string {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Minute)
	defer cancel()
	cmd := exec.CommandContext(ctx, "bash", "--noprofile", "--norc", "-eo", "pipefail", "-c", script)
	cmd.Dir = dir
	cmd.Env = append(os.Environ(), env...)
	var out bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &out
	require.NoError(t, cmd.Run(), out.String())
	return out.String()
}

// TestGradescopeRunAutograder runs run_autograder against a fake /autograder: source is
// this repository, submission a learner's upload holding the reference ex1.
func TestGradescopeRunAutograder(t *testing.T) {
	root := moduleRoot(t)
	ag := t.TempDir()
	require.NoError(t, os.Symlink(root, filepath.Join(ag, "source")))
	copyDir(t, filepath.Join(root, "solutions/ex1"), filepath.Join(ag, "submission/exercises/ex1"))
	// A learner's upload may carry its own grader: it must change nothing.
	require.NoError(t, os.MkdirAll(filepath.Join(ag, "submission/grader"), 0o755))

	bash(t, ag, []string{"AUTOGRADER_ROOT=" + ag, "EXERCISES=ex1", "GRADE_SEED=987654", "GRADE_HIDDEN=cancel-once"},
		filepath.Join(root, "deploy/gradescope/run_autograder"))

	raw, err := os.ReadFile(filepath.Join(ag, "results/results.json"))
	require.NoError(t, err)
	assert.NotContains(t, string(raw), "987654", "the instructor's seed reached the learner")
	var res struct {
		Score float64 `json:"score"`
		Tests []struct {
			Name       string  `json:"name"`
			Score      float64 `json:"score"`
			MaxScore   float64 `json:"max_score"`
			Visibility string  `json:"visibility"`
		} `json:"tests"`
	}
	require.NoError(t, json.Unmarshal(raw, &res))
	assert.Equal(t, 110.0, res.Score, "full marks and the bonus")
	require.Len(t, res.Tests, 5)
	for _, tc := range res.Tests {
		want := "visible"
		if strings.Contains(tc.Name, "cancel-once") {
			want = "after_due_date"
		}
		assert.Equal(t, want, tc.Visibility, tc.Name)
	}
}

type workflow struct {
	Jobs map[string]struct {
		Steps []struct {
			ID   string            `yaml:"id"`
			Name string            `yaml:"name"`
			Uses string            `yaml:"uses"`
			Run  string            `yaml:"run"`
			Env  map[string]string `yaml:"env"`
			With map[string]string `yaml:"with"`
		} `yaml:"steps"`
	} `yaml:"jobs"`
}

func readWorkflow(t *testing.T, path string) workflow {
	t.Helper()
	b, err := os.ReadFile(path)
	require.NoError(t, err)
	var w workflow
	require.NoError(t, yaml.Unmarshal(b, &w))
	return w
}

// TestClassroomWorkflow runs the Grade step's command lines of the Classroom workflow in a
// fake runner workspace, and hands its output to the reporter the way the workflow does.
func TestClassroomWorkflow(t *testing.T) {
	root := moduleRoot(t)
	w := readWorkflow(t, filepath.Join(root, "deploy/classroom/classroom.yml"))
	job, ok := w.Jobs["run-autograding-tests"]
	require.True(t, ok)
	var script string
	var reporterEnv, runners string
	for _, s := range job.Steps {
		if s.ID == "grade" {
			script = s.Run
		}
		if strings.HasPrefix(s.Uses, "classroom-resources/autograding-grading-reporter@") {
			runners = s.With["runners"]
			reporterEnv = s.Env[strings.ToUpper(runners)+"_RESULTS"]
		}
	}
	require.NotEmpty(t, script)
	// The reporter reads env <RUNNER>_RESULTS for each runner: it must be the Grade output.
	assert.Equal(t, "grade", runners)
	assert.Equal(t, "${{ steps.grade.outputs.result }}", reporterEnv)

	ws := t.TempDir()
	tmp := t.TempDir()
	require.NoError(t, os.Symlink(root, filepath.Join(ws, "grader")))
	broken, err := overlay.Load(filepath.Join(root, "grader/testdata/broken/ex1/second-cancel-renotifies.txtar"))
	require.NoError(t, err)
	require.NoError(t, broken.Materialize(filepath.Join(root, "solutions/ex1"), filepath.Join(ws, "learner/exercises/ex1")))
	output := filepath.Join(tmp, "github_output")
	bash(t, ws, []string{"GITHUB_WORKSPACE=" + ws, "RUNNER_TEMP=" + tmp, "GITHUB_OUTPUT=" + output,
		"GRADE_SEED=5", "GRADE_HIDDEN=", "EXERCISES=ex1"}, script)

	out, err := os.ReadFile(output)
	require.NoError(t, err)
	b64, ok := strings.CutPrefix(strings.TrimSpace(string(out)), "result=")
	require.True(t, ok, string(out))
	raw, err := base64.StdEncoding.DecodeString(b64)
	require.NoError(t, err)
	var res struct {
		Status   string `json:"status"`
		MaxScore int    `json:"max_score"`
		Tests    []struct {
			Name   string `json:"name"`
			Status string `json:"status"`
			Score  int    `json:"score"`
		} `json:"tests"`
	}
	require.NoError(t, json.Unmarshal(raw, &res))
	assert.Equal(t, "fail", res.Status)
	assert.Equal(t, 100, res.MaxScore)
	total := 0
	for _, tc := range res.Tests {
		total += tc.Score
		if strings.Contains(tc.Name, "cancel-once") {
			assert.Equal(t, "fail", tc.Status)
		}
	}
	assert.Equal(t, 85, total, "75 scored + the 10 bonus, as Classroom adds them up")
}

// TestClassBatchWorkflow runs the shard steps of the class workflow (four shards) on a
// class of three, then the merge step's command on their class.json files.
func TestClassBatchWorkflow(t *testing.T) {
	root := moduleRoot(t)
	w := readWorkflow(t, filepath.Join(root, "deploy/classroom/class-batch.yml"))
	var shardScript, mergeScript string
	for _, s := range w.Jobs["shard"].Steps {
		if s.Name == "Grade shard" {
			shardScript = s.Run
		}
	}
	for _, s := range w.Jobs["merge"].Steps {
		if s.Name == "Merge" {
			mergeScript = s.Run
		}
	}
	require.NotEmpty(t, shardScript)
	require.NotEmpty(t, mergeScript)

	ws := t.TempDir()
	tmp := t.TempDir()
	require.NoError(t, os.Symlink(root, filepath.Join(ws, "grader")))
	for _, l := range []string{"ana", "ben", "cy"} {
		copyDir(t, filepath.Join(root, "exercises/ex1"), filepath.Join(ws, "class/submissions", l, "ex1"))
	}
	// The workflow grades all exercises; here, ex1 only, so that the test stays short.
	shardScript = strings.Replace(shardScript, " all ", " ex1 ", 1)
	for _, shard := range []string{"1", "2", "3", "4"} {
		bash(t, ws, []string{"GITHUB_WORKSPACE=" + ws, "RUNNER_TEMP=" + tmp, "GRADE_SEED=21", "SHARD=" + shard}, shardScript)
	}
	mergeScript = strings.NewReplacer("class-report", filepath.Join(tmp, "class-report"), "shards/", filepath.Join(tmp, "shard-")).Replace(mergeScript)
	out := bash(t, root, nil, mergeScript)
	assert.Contains(t, out, "merged 4 shards: 3 submissions")
	csv, err := os.ReadFile(filepath.Join(tmp, "class-report/gradebook.csv"))
	require.NoError(t, err)
	for _, l := range []string{"ana", "ben", "cy"} {
		assert.Contains(t, string(csv), "\n"+l+",")
	}
}
