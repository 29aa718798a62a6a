package runtime

import (
	"bytes"
	"errors"
	"os"
	"path/filepath"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestNativeLifecycle(t *testing.T) {
	var log syncBuffer
	s := startServer(t, Config{Kind: Native, Log: serverLogTo(t, &log)})
	ns := s.(*nativeServer)
	assert.Equal(t, Native, s.Kind())
	assertLoopbackOnly(t, s, ns.ports)
	require.NoError(t, querySQL(t.Context(), s.AdminURL()))

	ts := startTestService(t)
	register(t, s, ts)
	assert.Equal(t, 2, add(t, s, "a", 2))

	pid := ns.proc.cmd.Process.Pid
	admin, ingress := s.AdminURL(), s.IngressURL()
	began := time.Now()
	require.NoError(t, s.Restart(t.Context()))
	t.Logf("restart to ready in %s", time.Since(began).Round(time.Millisecond))
	assert.NotEqual(t, pid, ns.proc.cmd.Process.Pid, "restart must run a new process")
	assert.False(t, alive(pid), "the old process must be gone after a restart")
	assert.Equal(t, admin, s.AdminURL())
	assert.Equal(t, ingress, s.IngressURL())
	require.NoError(t, querySQL(t.Context(), s.AdminURL()))
	eventually(t, 5*time.Second, func() bool { return startsLogged(log.String()) == 2 },
		"the log must show both runs' output once each; starts seen: %d", startsLogged(log.String()))
	// Neither the deployment nor the object state had to be recreated.
	assert.Equal(t, 5, add(t, s, "a", 3))

	pid = ns.proc.cmd.Process.Pid
	require.NoError(t, s.Stop())
	assert.False(t, alive(pid), "process %d still exists after Stop", pid)
	assert.NoDirExists(t, ns.baseDir)
	assert.NoError(t, s.Stop(), "Stop must be idempotent")
	assert.Error(t, s.Restart(t.Context()), "a stopped server cannot restart")
}

func TestNativeSideBySide(t *testing.T) {
	servers := make([]Server, 2)
	var wg sync.WaitGroup
	for i := range servers {
		wg.Go(func() {
			s, err := Start(t.Context(), Config{Kind: Native, Log: serverLog(t)})
			if s != nil {
				t.Cleanup(func() { assert.NoError(t, s.Stop()) })
			}
			assert.NoError(t, err)
			servers[i] = s
		})
	}
	wg.Wait()
	require.False(t, t.Failed())
	a, b := servers[0].(*nativeServer), servers[1].(*nativeServer)
	assert.NotEqual(t, a.ports, b.ports)
	assert.NotEqual(t, a.baseDir, b.baseDir)
	for _, s := range servers {
		assert.NoError(t, querySQL(t.Context(), s.AdminURL()))
	}
}

// The retry settings are only environment variables: a typo in a name would be ignored
// silently and leave broken handlers hanging for minutes. Observe the behaviour instead.
func TestNativeRetryPolicyKillsAfterBudget(t *testing.T) {
	const budget = 3
	s := startServer(t, Config{Kind: Native, RetryMaxAttempts: budget, Log: serverLog(t)})
	ts := startTestService(t)
	register(t, s, ts)

	began := time.Now()
	status, body := post(t, s.IngressURL()+"/Flaky/Fail", "")
	elapsed := time.Since(began)
	t.Logf("killed after %d attempts in %s: %d %.80s", ts.fails.Load(), elapsed.Round(time.Millisecond), status, body)
	assert.GreaterOrEqual(t, status, 400, "a handler that always fails must fail the call")
	assert.Equal(t, int64(budget), ts.fails.Load(), "attempts")
	// Default policy: 500 ms, 1 s, 2 s... A fast policy spends well under a second.
	assert.Less(t, elapsed, 2*time.Second)
}

func TestNativeForcedReplay(t *testing.T) {
	type testCase struct {
		name        string
		forced      bool
		wantReplays bool
	}
	for _, tc := range []testCase{
		{name: "off: one pass through the handler", forced: false, wantReplays: false},
		{name: "on: suspends at each await and replays", forced: true, wantReplays: true},
	} {
		t.Run(tc.name, func(t *testing.T) {
			s := startServer(t, Config{Kind: Native, ForcedReplay: tc.forced, Log: serverLog(t)})
			ts := startTestService(t)
			register(t, s, ts)
			status, body := post(t, s.IngressURL()+"/Steps/Two", "")
			require.Equal(t, 200, status, body)
			assert.Equal(t, "3", body)
			entries := ts.entries.Load()
			t.Logf("handler entered %d times", entries)
			if tc.wantReplays {
				assert.Greater(t, entries, int64(1))
			} else {
				assert.Equal(t, int64(1), entries)
			}
		})
	}
}

func TestNativeStartFailureShowsLogTail(t *testing.T) {
	fake := filepath.Join(t.TempDir(), "restate-server")
	require.NoError(t, os.WriteFile(fake, []byte("#!/bin/sh\necho 'fatal: the disk is made of cheese' >&2\nexit 3\n"), 0o755))
	t.Setenv("RESTATE_SERVER_BIN", fake)

	before, _ := filepath.Glob(filepath.Join(os.TempDir(), "restate-grader-*"))
	s, err := Start(t.Context(), Config{Kind: Native})
	require.Error(t, err)
	assert.Nil(t, s)
	assert.ErrorContains(t, err, "disk is made of cheese")
	assert.ErrorContains(t, err, "exited before it was ready")
	after, _ := filepath.Glob(filepath.Join(os.TempDir(), "restate-grader-*"))
	assert.ElementsMatch(t, before, after, "a failed start must remove its base dir")
}

func TestNativeRetriesWhenAPortIsTaken(t *testing.T) {
	dir := t.TempDir()
	fake := filepath.Join(dir, "restate-server")
	// What 1.7.12 prints when another process took one of its ports.
	script := "#!/bin/sh\necho run >> " + filepath.Join(dir, "runs") +
		"\necho \"Failed: [admin-api-server] failed binding to address '127.0.0.1:1': Address in use (os error 98)\" >&2\nexit 1\n"
	require.NoError(t, os.WriteFile(fake, []byte(script), 0o755))
	t.Setenv("RESTATE_SERVER_BIN", fake)

	var progress bytes.Buffer
	_, err := Start(t.Context(), Config{Kind: Native, Progress: &progress})
	require.Error(t, err)
	assert.ErrorIs(t, err, errAddrInUse)
	runs, err := os.ReadFile(filepath.Join(dir, "runs"))
	require.NoError(t, err)
	assert.Equal(t, portAttempts, bytes.Count(runs, []byte("run")), "starts attempted")
	assert.Contains(t, progress.String(), "retrying with new ports")
}

func TestNativeStopConcurrently(t *testing.T) {
	s := startServer(t, Config{Kind: Native, Log: serverLog(t)})
	pid := s.(*nativeServer).proc.cmd.Process.Pid
	var wg sync.WaitGroup
	for range 4 {
		wg.Go(func() { assert.NoError(t, s.Stop()) })
	}
	wg.Wait()
	assert.False(t, alive(pid))
}

func TestBinaryPathFromEnv(t *testing.T) {
	t.Run("executable", func(t *testing.T) {
		bin := filepath.Join(t.TempDir(), "restate-server")
		require.NoError(t, os.WriteFile(bin, []byte("#!/bin/sh\n"), 0o755))
		t.Setenv("RESTATE_SERVER_BIN", bin)
		got, err := BinaryPath(t.Context(), nil)
		require.NoError(t, err)
		assert.Equal(t, bin, got)
	})
	t.Run("missing", func(t *testing.T) {
		t.Setenv("RESTATE_SERVER_BIN", filepath.Join(t.TempDir(), "nope"))
		_, err := BinaryPath(t.Context(), nil)
		assert.ErrorIs(t, err, os.ErrNotExist)
	})
}

// alive reports whether pid still names a process (a zombie counts: it was not reaped).
func alive(pid int) bool {
	err := syscall.Kill(pid, 0)
	return err == nil || errors.Is(err, syscall.EPERM)
}
