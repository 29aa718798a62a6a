package main

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

type testCase struct {
	name   string
	args   []string
	exit   int
	stdout string // substring expected on stdout
	stderr string // substring expected on stderr
}

func runArgs(t *testing.T, args ...string) (int, string, string) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 3*time.Minute)
	defer cancel()
	var out, errOut bytes.Buffer
	err := run(ctx, args, &out, &errOut)
	code := 0
	if err != nil {
		var ee *exitError
		require.True(t, errors.As(err, &ee), "run returned %v", err)
		code = ee.code
		errOut.WriteString(ee.msg)
	}
	return code, out.String(), errOut.String()
}

func TestUsage(t *testing.T) {
	cases := []testCase{
		{name: "no command shows progress", args: nil, exit: 0, stdout: "Your progress"},
		{name: "only flags", args: []string{"--no-color"}, exit: 2, stderr: "usage:"},
		{name: "unknown exercise", args: []string{"ex9"}, exit: 2, stderr: `unknown exercise "ex9"`},
		{name: "bad format", args: []string{"ex1", "--format", "xml"}, exit: 2, stderr: "--format"},
		{name: "solution and dir", args: []string{"ex1", "--solution", "--dir", "x"}, exit: 2, stderr: "not both"},
		{name: "unknown flag", args: []string{"ex1", "--nope"}, exit: 2, stderr: "flag provided but not defined"},
		{name: "half external", args: []string{"ex1", "--restate-url", "http://127.0.0.1:1"}, exit: 2, stderr: "go together"},
		{name: "list", args: []string{"list"}, exit: 0, stdout: "duplicate-create"},
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

func TestGradeSolutionJSON(t *testing.T) {
	chdirRoot(t)
	code, out, _ := runArgs(t, "ex1", "--solution", "--format", "json", "--seed", "11", "--runtime", "native")
	assert.Equal(t, 0, code)
	assert.NotContains(t, out, "\x1b[")
	var rep struct {
		Exercise string `json:"exercise"`
		Seed     uint64 `json:"seed"`
		Score    int    `json:"score"`
		MaxScore int    `json:"max_score"`
		Criteria []struct {
			Status string `json:"status"`
		} `json:"criteria"`
	}
	require.NoError(t, json.Unmarshal([]byte(out), &rep))
	assert.Equal(t, "ex1", rep.Exercise)
	assert.Equal(t, uint64(11), rep.Seed)
	assert.Equal(t, rep.MaxScore, rep.Score)
	assert.NotEmpty(t, rep.Criteria)
}

func TestGradeStubText(t *testing.T) {
	chdirRoot(t)
	t.Setenv("NO_COLOR", "1")
	code, out, _ := runArgs(t, "ex1", "--seed", "11", "--runtime", "native")
	assert.Equal(t, 1, code)
	assert.Contains(t, out, "Score: 0/100")
	assert.Contains(t, out, "Next:")
	assert.Contains(t, out, "not implemented")
	assert.NotContains(t, out, "\x1b[")
}

func TestDoesNotCompileExits3(t *testing.T) {
	chdirRoot(t)
	code, out, _ := runArgs(t, "ex1", "--dir", "grader/testdata/broken/ex1/does-not-compile", "--runtime", "native", "--no-color")
	assert.Equal(t, 3, code)
	assert.Contains(t, out, "ERROR")
	assert.Contains(t, out, "does not compile")
}

func chdirRoot(t *testing.T) {
	t.Helper()
	wd, err := os.Getwd()
	require.NoError(t, err)
	t.Chdir(filepath.Join(wd, "..", ".."))
}
