//go:build linux

package main

import (
	"bufio"
	"bytes"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"syscall"
	"testing"
	"time"

	rt "idempotency/grader/runtime"
	"idempotency/grader/selftest/gradetest"

	"github.com/moby/moby/client"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// These tests run the grade command as a user does, as its own process, and stop it the
// ways a user's grader stops: SIGKILL in the middle of a scenario, a closed terminal.

// hangingCopy is the reference solution of ex1 outside the module, except that
// CancelOrder writes the file $IDEM_TEST_HANG_MARK and then never answers: a grader
// that has seen the mark is in the middle of a scenario.
func hangingCopy(t *testing.T, root string) string {
	t.Helper()
	dir := filepath.Join(t.TempDir(), "ex1")
	require.NoError(t, os.Mkdir(dir, 0o755))
	entries, err := os.ReadDir(filepath.Join(root, "solutions", "ex1"))
	require.NoError(t, err)
	cancel := regexp.MustCompile(`(?m)^func \([^)]*\) CancelOrder\([^)]*\)[^{]*\{$`)
	hooked := false
	for _, e := range entries {
		data, err := os.ReadFile(filepath.Join(root, "solutions", "ex1", e.Name()))
		require.NoError(t, err)
		if loc := cancel.FindIndex(data); loc != nil {
			data = append(append(append([]byte{}, data[:loc[1]]...), "\n\thangForTest()"...), data[loc[1]:]...)
			hooked = true
		}
		require.NoError(t, os.WriteFile(filepath.Join(dir, e.Name()), data, 0o644))
	}
	require.True(t, hooked, "no CancelOrder method found in solutions/ex1 to hook")
	hang := `package main

import "os"

func hangForTest() {
	_ = os.WriteFile(os.Getenv("IDEM_TEST_HANG_MARK"), []byte("x"), 0o644)
	select {}
}
`
	require.NoError(t, os.WriteFile(filepath.Join(dir, "hang_test_hook.go"), []byte(hang), 0o644))
	return dir
}

// grader is one run of the grade binary.
type graderRun struct {
	cmd    *exec.Cmd
	stderr *syncBuffer
	done   chan struct{}
}

func startBinary(t *testing.T, root, tmp string, env []string, args ...string) *graderRun {
	t.Helper()
	cmd := exec.Command(gradeBinary(t), args...)
	cmd.Dir = root
	cmd.Env = append(os.Environ(), append([]string{"TMPDIR=" + tmp, "NO_COLOR=1"}, env...)...)
	g := &graderRun{cmd: cmd, stderr: &syncBuffer{}, done: make(chan struct{})}
	cmd.Stdout, cmd.Stderr = io.Discard, g.stderr
	require.NoError(t, cmd.Start())
	go func() { _ = cmd.Wait(); close(g.done) }()
	t.Cleanup(func() {
		_ = cmd.Process.Kill()
		<-g.done
	})
	return g
}

func (g *graderRun) wait(t *testing.T, d time.Duration) {
	t.Helper()
	select {
	case <-g.done:
	case <-time.After(d):
		t.Fatalf("the grader did not end within %s; its stderr:\n%s", d, g.stderr.String())
	}
}

// owned lists the processes whose owner variable names pid (services, servers, builds).
func owned(pid int) []string {
	var out []string
	envs, _ := filepath.Glob("/proc/[0-9]*/environ")
	want := []byte(fmt.Sprintf("IDEM_GRADER_OWNER=%d-", pid))
	for _, p := range envs {
		env, err := os.ReadFile(p)
		if err != nil || !bytes.Contains(env, want) {
			continue
		}
		stat, _ := os.ReadFile(filepath.Join(filepath.Dir(p), "stat"))
		if s := string(stat); strings.Contains(s[strings.LastIndexByte(s, ')')+1:], " Z ") {
			continue // a zombie is dead, waiting for its parent
		}
		cmdline, _ := os.ReadFile(filepath.Join(filepath.Dir(p), "cmdline"))
		out = append(out, filepath.Base(filepath.Dir(p))+" "+strings.ReplaceAll(string(cmdline), "\x00", " "))
	}
	return out
}

func listDir(t *testing.T, dir string) []string {
	t.Helper()
	entries, err := os.ReadDir(dir)
	require.NoError(t, err)
	var names []string
	for _, e := range entries {
		names = append(names, e.Name())
	}
	return names
}

// requireImage skips (or, with IDEM_REQUIRE_DOCKER=1, fails) without a Docker engine
// and the default restate image.
func requireImage(t *testing.T) {
	t.Helper()
	gradetest.RequireDocker(t)
	present, err := rt.ImagePresent(t.Context(), rt.DefaultImage)
	require.NoError(t, err)
	if !present {
		if os.Getenv("IDEM_REQUIRE_DOCKER") == "1" {
			t.Fatalf("image %s is not present, and IDEM_REQUIRE_DOCKER=1 (run .ci/restate-image.sh)", rt.DefaultImage)
		}
		t.Skipf("skipped: image %s not present (run .ci/restate-image.sh)", rt.DefaultImage)
	}
}

// containersOf lists the containers labelled with pid as their owner.
func containersOf(t *testing.T, pid int) []string {
	t.Helper()
	cli, err := client.New(client.FromEnv)
	require.NoError(t, err)
	defer cli.Close()
	res, err := cli.ContainerList(t.Context(), client.ContainerListOptions{All: true,
		Filters: make(client.Filters).Add("label", "dev.idempotency-grader.owner")})
	require.NoError(t, err)
	var ids []string
	for _, c := range res.Items {
		if strings.HasPrefix(c.Labels["dev.idempotency-grader.owner"], fmt.Sprintf("%d-", pid)) {
			ids = append(ids, c.ID)
		}
	}
	return ids
}

// A grader killed with SIGKILL in the middle of a scenario cannot clean up. Its service
// dies with it (parent-death signal); what it cannot take along (its temp dir with the
// build and the server's data, its staged copy, a container) goes at the next start.
func TestKilledGraderLeavesNothingAfterTheNextStart(t *testing.T) {
	type testCase struct {
		runtime   string
		container bool
	}
	for _, tc := range []testCase{{runtime: "native"}, {runtime: "container", container: true}} {
		t.Run(tc.runtime, func(t *testing.T) {
			if tc.container {
				requireImage(t)
			}
			chdirRoot(t)
			root, err := os.Getwd()
			require.NoError(t, err)
			tmp := t.TempDir()
			mark := filepath.Join(t.TempDir(), "in-a-scenario")
			sub := hangingCopy(t, root)

			g := startBinary(t, root, tmp, []string{"IDEM_TEST_HANG_MARK=" + mark, "IDEMPOTENCY_GRADER_STATE=" + t.TempDir()},
				"ex1", "--dir", sub, "--runtime", tc.runtime, "--seed", "5")
			pid := g.cmd.Process.Pid
			require.Eventually(t, func() bool {
				_, err := os.Stat(mark)
				return err == nil
			}, 4*time.Minute, 50*time.Millisecond, "no scenario reached CancelOrder; stderr:\n%s", g.stderr.String())

			require.NotEmpty(t, owned(pid), "the service runs, marked with its grader")
			require.NotEmpty(t, stagedBy(t, root, pid), "the copy of the submission is in the module")
			require.NotEmpty(t, listDir(t, tmp), "the grader's temp dir exists")
			if tc.container {
				require.Len(t, containersOf(t, pid), 1, "the server's container runs")
			}

			require.NoError(t, g.cmd.Process.Signal(syscall.SIGKILL))
			g.wait(t, 10*time.Second)
			assert.Eventually(t, func() bool { return len(owned(pid)) == 0 }, 10*time.Second, 50*time.Millisecond,
				"the service (and the native server) must die with the grader: %v", owned(pid))
			// What only the next start can remove is still there.
			assert.NotEmpty(t, listDir(t, tmp))
			assert.NotEmpty(t, stagedBy(t, root, pid))

			next := startBinary(t, root, tmp, nil, "doctor", "--ports", "")
			next.wait(t, 2*time.Minute)
			assert.Contains(t, next.stderr.String(), "removed what a grader that was killed had left")
			assert.Empty(t, owned(pid), "no process of the killed grader")
			assert.Empty(t, listDir(t, tmp), "no temp dir of the killed grader (nor of the next start)")
			assert.Empty(t, stagedBy(t, root, pid), "no staged copy of the killed grader")
			if tc.container {
				assert.Empty(t, containersOf(t, pid), "no container of the killed grader")
				assert.Contains(t, next.stderr.String(), "1 container")
			}
		})
	}
}

// Closing the terminal (SIGHUP) during watch stops it as Ctrl-C does: nothing it started
// keeps running, and its temp dir and copy are gone, without waiting for the next start.
func TestWatchStopsOnHangup(t *testing.T) {
	chdirRoot(t)
	root, err := os.Getwd()
	require.NoError(t, err)
	tmp := t.TempDir()
	sub := filepath.Join(t.TempDir(), "ex1")
	copyTree(t, filepath.Join(root, "exercises", "ex1"), sub)

	cmd := exec.Command(gradeBinary(t), "watch", "ex1", "--dir", sub, "--runtime", "native")
	cmd.Dir = root
	cmd.Env = append(os.Environ(), "TMPDIR="+tmp, "NO_COLOR=1", "IDEMPOTENCY_GRADER_STATE="+t.TempDir())
	out, err := cmd.StdoutPipe()
	require.NoError(t, err)
	var stderr syncBuffer
	cmd.Stderr = &stderr
	require.NoError(t, cmd.Start())
	t.Cleanup(func() { _ = cmd.Process.Kill(); _ = cmd.Wait() })
	pid := cmd.Process.Pid

	lines := make(chan string, 1000)
	go func() {
		sc := bufio.NewScanner(out)
		for sc.Scan() {
			lines <- sc.Text()
		}
		close(lines)
	}()
	deadline := time.After(4 * time.Minute)
	var seen []string
waiting:
	for {
		select {
		case l, ok := <-lines:
			require.True(t, ok, "watch ended early:\n%s\n%s", strings.Join(seen, "\n"), stderr.String())
			seen = append(seen, l)
			if strings.HasPrefix(l, "watching ") {
				break waiting
			}
		case <-deadline:
			t.Fatalf("no report within 4 minutes:\n%s\n%s", strings.Join(seen, "\n"), stderr.String())
		}
	}
	assert.Contains(t, strings.Join(seen, "\n"), "grading "+sub, "the report names the folder the learner edits")
	assert.Contains(t, strings.Join(seen, "\n"), "restate-server: native binary")
	require.NotEmpty(t, owned(pid), "watch keeps restate-server running between runs")

	require.NoError(t, cmd.Process.Signal(syscall.SIGHUP))
	exited := make(chan error, 1)
	go func() {
		for range lines {
		}
		exited <- cmd.Wait()
	}()
	select {
	case err := <-exited:
		assert.NoError(t, err, "a hangup is a normal end; stderr:\n%s", stderr.String())
	case <-time.After(time.Minute):
		t.Fatalf("watch did not stop within a minute of SIGHUP; stderr:\n%s", stderr.String())
	}
	assert.Empty(t, owned(pid), "nothing of watch keeps running")
	assert.Empty(t, listDir(t, tmp), "watch removed its temp dir")
	assert.Empty(t, stagedBy(t, root, pid), "watch removed its copy")
}
