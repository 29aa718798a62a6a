package main

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"os"
	"path/filepath"
	"strings"
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

// Every usage error is found before any work: one line on stderr, exit status 2,
// nothing built or started (the stub would take seconds to build; these take none).
func TestUsageErrorsAreOneLineAndStartNothing(t *testing.T) {
	chdirRoot(t)
	empty := t.TempDir()
	noGo := t.TempDir()
	require.NoError(t, os.WriteFile(filepath.Join(noGo, "README.md"), []byte("notes"), 0o644))
	require.NoError(t, os.WriteFile(filepath.Join(noGo, "x_test.go"), []byte("package x"), 0o644))
	file := filepath.Join(noGo, "README.md")
	cases := []testCase{
		{name: "only flags", args: []string{"--no-color"}, stderr: "name one exercise (ex1 ... ex6), all, or a command"},
		{name: "unknown exercise", args: []string{"ex9"}, stderr: `unknown exercise or command "ex9"`},
		{name: "bad format", args: []string{"ex1", "--format", "xml"}, stderr: "--format must be text or json"},
		{name: "solution and dir", args: []string{"ex1", "--solution", "--dir", "x"}, stderr: "not both"},
		{name: "unknown flag", args: []string{"ex1", "--nope"}, stderr: "flag provided but not defined: -nope"},
		{name: "half external", args: []string{"ex1", "--restate-url", "http://127.0.0.1:1"}, stderr: "go together"},
		{name: "unknown runtime", args: []string{"ex1", "--runtime", "podman"}, stderr: `unknown runtime "podman" (want auto, native, container or external)`},
		{name: "external without urls", args: []string{"ex1", "--runtime", "external"}, stderr: "--runtime external needs --restate-url and --admin-url"},
		{name: "urls with native", args: []string{"ex1", "--runtime", "native", "--restate-url", "http://127.0.0.1:1", "--admin-url", "http://127.0.0.1:2"}, stderr: "not with --runtime native"},
		{name: "image with native", args: []string{"ex1", "--runtime", "native", "--image", "x"}, stderr: "--image is for --runtime container"},
		{name: "missing dir", args: []string{"ex1", "--dir", "/nonexistent"}, stderr: "--dir /nonexistent: no such file or directory"},
		{name: "empty dir", args: []string{"ex1", "--dir", empty}, stderr: "is empty"},
		{name: "dir without a package", args: []string{"ex1", "--dir", noGo}, stderr: "holds no Go package"},
		{name: "dir is a file", args: []string{"ex1", "--dir", file}, stderr: "is a file"},
		{name: "dir with all", args: []string{"all", "--dir", "exercises/ex1"}, stderr: "--dir names one exercise's package"},
		{name: "command not first", args: []string{"--solution", "watch"}, stderr: `put "watch" first`},
		{name: "watch unknown runtime", args: []string{"watch", "ex1", "--runtime", "podman"}, stderr: `grade watch: unknown runtime "podman" (want auto, native or container)`},
		{name: "watch external", args: []string{"watch", "ex1", "--runtime", "external"}, stderr: "starts its own restate-server"},
		{name: "watch missing dir", args: []string{"watch", "ex1", "--dir", "/nonexistent"}, stderr: "grade watch: --dir /nonexistent"},
		{name: "watch no exercise", args: []string{"watch"}, stderr: "grade watch: name one exercise"},
		{name: "watch debounce", args: []string{"watch", "ex1", "--debounce", "0s"}, stderr: "--debounce"},
		{name: "play empty dir", args: []string{"play", "ex1", "--dir", empty}, stderr: "grade play: --dir " + empty + " is empty"},
		{name: "compare overlay", args: []string{"compare", "ex1", "--dir", "x.txtar"}, stderr: "no such file"},
		{name: "batch missing folder", args: []string{"batch", "/nonexistent"}, stderr: "/nonexistent is not a folder of submissions"},
		{name: "batch unknown runtime", args: []string{"batch", empty, "--runtime", "podman"}, stderr: `grade batch: unknown runtime "podman"`},
		{name: "batch no workers", args: []string{"batch", empty, "--workers", "0"}, stderr: "--workers must be 1 or more"},
		{name: "hint without exercise", args: []string{"hint"}, stderr: "grade hint: name an exercise"},
		{name: "progress with argument", args: []string{"progress", "ex1"}, stderr: "grade progress: takes no arguments"},
		{name: "help of nothing", args: []string{"help", "nope"}, stderr: `grade help: unknown command "nope"`},
		{name: "doctor argument", args: []string{"doctor", "now"}, stderr: "grade doctor: takes no arguments"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			began := time.Now()
			code, out, errOut := runArgs(t, tc.args...)
			assert.Equal(t, 2, code)
			assert.Empty(t, out)
			assert.Contains(t, errOut, tc.stderr)
			assert.Equal(t, 1, strings.Count(strings.TrimRight(errOut, "\n"), "\n")+1, "one line: %q", errOut)
			assert.NotContains(t, errOut, "building")
			assert.Less(t, time.Since(began), 2*time.Second, "a usage error does no work")
		})
	}
}

// A --dir that names an overlay archive (a broken copy as .txtar) is a valid package.
func TestOverlayDirIsValid(t *testing.T) {
	chdirRoot(t)
	archives, err := filepath.Glob("grader/testdata/broken/ex1/*.txtar")
	require.NoError(t, err)
	require.NotEmpty(t, archives)
	require.NoError(t, checkDir("", archives[0], true))
	assert.Error(t, checkDir("compare", archives[0], false), "compare copies a folder's files")
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
	code, out, _ := runArgs(t, "ex1", "--dir", "grader/testdata/broken/ex1/does-not-compile.txtar", "--runtime", "native", "--no-color")
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
