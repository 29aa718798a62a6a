package main

import (
	"bufio"
	"context"
	"encoding/json"
	"idempotency/grader/selftest/gradetest"
	"io"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"time"

	"idempotency/grader/catalog"
	"idempotency/grader/learner/progress"
	"idempotency/grader/overlay"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// lineRun runs the command in the background with its stdout split into lines, for
// commands that run until interrupted (watch, play).
type lineRun struct {
	t      *testing.T
	lines  chan string
	cancel context.CancelFunc
	done   chan error
	seen   []string
}

func startRun(t *testing.T, args ...string) *lineRun {
	t.Helper()
	pr, pw := io.Pipe()
	ctx, cancel := context.WithCancel(context.Background())
	r := &lineRun{t: t, lines: make(chan string, 10000), cancel: cancel, done: make(chan error, 1)}
	go func() {
		sc := bufio.NewScanner(pr)
		for sc.Scan() {
			r.lines <- sc.Text()
		}
		close(r.lines)
	}()
	go func() {
		err := run(ctx, args, pw, io.Discard)
		pw.Close()
		r.done <- err
	}()
	t.Cleanup(func() { r.stop() })
	return r
}

// waitFor returns the first line from now on that matches, failing after the deadline.
func (r *lineRun) waitFor(what string, match func(string) bool) string {
	r.t.Helper()
	deadline := time.After(3 * time.Minute)
	for {
		select {
		case l, ok := <-r.lines:
			require.True(r.t, ok, "output ended before %s:\n%s", what, strings.Join(r.seen, "\n"))
			r.seen = append(r.seen, l)
			if match(l) {
				return l
			}
		case <-deadline:
			r.t.Fatalf("no %s within 3 minutes; output so far:\n%s", what, strings.Join(r.seen, "\n"))
		}
	}
}

// stop interrupts the command (as Ctrl-C does) and returns what run returned.
func (r *lineRun) stop() error {
	r.cancel()
	select {
	case err := <-r.done:
		for range r.lines {
		}
		r.done <- err // later calls see it too
		return err
	case <-time.After(time.Minute):
		r.t.Fatal("the command did not stop within a minute of Ctrl-C")
		return nil
	}
}

func contains(s string) func(string) bool {
	return func(l string) bool { return strings.Contains(l, s) }
}

func TestWatchCommand(t *testing.T) {
	chdirRoot(t)
	t.Setenv("NO_COLOR", "1")
	// A learner's own folder, outside the module: watched there, graded as a copy.
	dir := filepath.Join(t.TempDir(), "ex1")
	broken, err := overlay.Load("grader/testdata/broken/ex1/math-rand-number.txtar")
	require.NoError(t, err)
	require.NoError(t, broken.Materialize("solutions/ex1", dir))
	t.Setenv(progress.EnvDir, t.TempDir())
	r := startRun(t, "watch", "ex1", "--dir", dir, "--runtime", "native", "--debounce", "100ms")
	r.waitFor("the report header", contains("grading "+dir))
	r.waitFor("the first report", contains("Score:"))
	r.waitFor("the pointer to more hints", contains("go run ./cmd/grade hint ex1 deterministic-number"))
	r.waitFor("the watching line", contains("watching "+dir))

	fixed, err := os.ReadFile("solutions/ex1/order_service.go")
	require.NoError(t, err)
	saved := time.Now()
	require.NoError(t, os.WriteFile(filepath.Join(dir, "order_service.go"), fixed, 0o644))
	score := r.waitFor("the second report", contains("Score:"))
	t.Logf("watch: save to report in %s", time.Since(saved).Round(time.Millisecond))
	assert.Contains(t, score, "Score: 100/100")
	r.waitFor("what changed", contains("+ now passing: Order number is deterministic"))

	assert.NoError(t, r.stop(), "Ctrl-C is a normal end")
	assert.Empty(t, stagedBy(t, ".", os.Getpid()), "every run's copy is removed")
	_, out, _ := runArgs(t, "progress")
	assert.Regexp(t, `ex1\s+Idempotent Order Service\s+100/100\s+\d+/10\s+2\s`, out, "runs of a folder outside the module are remembered")
}

// grade exN --dir PATH grades a folder anywhere: its *.go files are copied into the
// module, the report and its replay command name PATH, and the run is remembered.
func TestGradeDirOutsideModule(t *testing.T) {
	chdirRoot(t)
	t.Setenv("NO_COLOR", "1")
	t.Setenv(progress.EnvDir, t.TempDir())
	dir := filepath.Join(t.TempDir(), "ex1")
	copyTree(t, "exercises/ex1", dir)
	code, out, _ := runArgs(t, "ex1", "--dir", dir, "--runtime", "native", "--seed", "3")
	assert.Equal(t, 1, code, out)
	assert.Contains(t, out, "grading "+dir+" · seed 3")
	assert.Contains(t, out, "Score: 0/100")
	assert.Contains(t, out, "go run ./cmd/grade ex1 --dir "+dir+" --seed 3")
	assert.NotContains(t, out, "outside the module")
	assert.Empty(t, stagedBy(t, ".", os.Getpid()), "the copy is removed")
	_, progress, _ := runArgs(t, "progress")
	assert.Regexp(t, `ex1\s+Idempotent Order Service\s+0/100\s+0/10\s+1\s`, progress)
}

var curlLine = regexp.MustCompile(`^\s*curl -sS -X POST '([^']+)'(?: -H 'content-type: application/json' -d '(.*)')?$`)

func TestPlayCommand(t *testing.T) {
	chdirRoot(t)
	r := startRun(t, "play", "ex1", "--solution", "--runtime", "native")
	type call struct{ url, body string }
	var calls []call
	for {
		l := r.waitFor("the curl commands", func(l string) bool { return curlLine.MatchString(l) || strings.HasPrefix(l, "Gateway calls") })
		if strings.HasPrefix(l, "Gateway calls") {
			break
		}
		m := curlLine.FindStringSubmatch(l)
		calls = append(calls, call{m[1], m[2]})
	}
	require.Len(t, calls, 4)
	codes := []int{200, 200, 200, 409} // create, get, cancel, update of a cancelled order
	for i, c := range calls {
		req, err := http.NewRequest(http.MethodPost, c.url, strings.NewReader(c.body))
		require.NoError(t, err)
		if c.body != "" {
			req.Header.Set("content-type", "application/json")
		}
		resp, err := http.DefaultClient.Do(req)
		require.NoError(t, err)
		body, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		assert.Equal(t, codes[i], resp.StatusCode, "%s: %s", c.url, body)
	}
	r.waitFor("the cancellation notice in the ledger", contains(`event="order.cancelled"`))
	assert.NoError(t, r.stop())
	assert.Empty(t, gradetest.Children(t), "play left processes running")
}

func TestDoctorCommand(t *testing.T) {
	goBin, err := exec.LookPath("go")
	require.NoError(t, err)
	bin := t.TempDir()
	require.NoError(t, os.Symlink(goBin, filepath.Join(bin, "go")))
	busy, err := net.Listen("tcp", "127.0.0.1:0")
	require.NoError(t, err)
	defer busy.Close()
	port := strconv.Itoa(busy.Addr().(*net.TCPAddr).Port)

	t.Run("missing npm and binary, busy port", func(t *testing.T) {
		t.Setenv("PATH", bin)
		t.Setenv("RESTATE_SERVER_BIN", "/nowhere/restate-server")
		code, out, _ := runArgs(t, "doctor", "--ports", port)
		assert.Equal(t, 1, code)
		assert.Regexp(t, `PROBLEM\s+npm`, out)
		assert.Regexp(t, `PROBLEM\s+restate-server\s+RESTATE_SERVER_BIN`, out)
		assert.Regexp(t, `PROBLEM\s+port `+port+`\s+127.0.0.1:`+port+` is in use`, out)
		assert.Contains(t, out, "fix: install Node.js")
		assert.Contains(t, out, "fix: point RESTATE_SERVER_BIN")
		assert.Regexp(t, `OK\s+Go|ok\s+Go`, out)
	})
	t.Run("bad port", func(t *testing.T) {
		code, _, errOut := runArgs(t, "doctor", "--ports", "http")
		assert.Equal(t, 2, code)
		assert.Contains(t, errOut, "not a port")
	})
}

func TestProgressAndHints(t *testing.T) {
	chdirRoot(t)
	t.Setenv(progress.EnvDir, t.TempDir())

	code, out, _ := runArgs(t, "progress")
	assert.Equal(t, 0, code)
	assert.Contains(t, out, "start: read exercises/ex1/README.md")
	assert.Contains(t, out, "Next: start ex1")

	// Grading the stub is remembered; grading the solution is not.
	code, _, _ = runArgs(t, "ex1", "--runtime", "native", "--seed", "5")
	assert.Equal(t, 1, code)
	code, _, _ = runArgs(t, "ex1", "--solution", "--runtime", "native", "--seed", "5")
	assert.Equal(t, 0, code)
	_, out, _ = runArgs(t, "progress")
	assert.Regexp(t, `ex1\s+Idempotent Order Service\s+0/100\s+0/10\s+1\s+fix "Duplicate CreateOrder returns same order" \(go run ./cmd/grade hint ex1 duplicate-create\)`, out)

	// Without a criterion, hint picks the first that failed; each call reveals one level.
	_, out, _ = runArgs(t, "hint", "ex1")
	assert.Contains(t, out, `Hint 1 of 4 for ex1 "Duplicate CreateOrder returns same order"`)
	assert.Contains(t, out, "again for the next level")
	for level := 2; level <= 5; level++ {
		_, out, _ = runArgs(t, "hint", "ex1", "duplicate-create")
	}
	assert.Contains(t, out, "Hint 4 of 4", "the levels stop at the last one")
	assert.Contains(t, out, "4. SDK: restate.Get[T]")
	assert.Contains(t, out, "That is all the help")
	_, out, _ = runArgs(t, "hint", "ex1", "deterministic-number")
	assert.Contains(t, out, "Hint 1 of 4", "levels are per criterion")

	code, _, errOut := runArgs(t, "hint", "ex1", "nope")
	assert.Equal(t, 2, code)
	assert.Contains(t, errOut, "duplicate-create")

	// Other exercises fall back to their scenario's hint.
	ex2, ok := catalog.Lookup("ex2")
	require.True(t, ok)
	require.NotEmpty(t, ex2.Scenarios)
	_, out, _ = runArgs(t, "hint", "ex2", ex2.Scenarios[0].ID)
	assert.Contains(t, out, "Hint 1 of 1")
	assert.Contains(t, out, ex2.Scenarios[0].Hint)

	store, err := progress.Open()
	require.NoError(t, err)
	data, err := os.ReadFile(store.Path)
	require.NoError(t, err)
	var st progress.State
	require.NoError(t, json.Unmarshal(data, &st))
	assert.Equal(t, 4, st.Exercises["ex1"].HintLevels["duplicate-create"])
}
