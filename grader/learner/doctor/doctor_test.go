package doctor_test

import (
	"context"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"testing"

	"idempotency/grader/learner/doctor"
	"idempotency/grader/runtime"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func find(t *testing.T, fs []doctor.Finding, check string) doctor.Finding {
	t.Helper()
	for _, f := range fs {
		if f.Check == check {
			return f
		}
	}
	t.Fatalf("no finding for %q in %+v", check, fs)
	return doctor.Finding{}
}

// onlyGoOnPath leaves a PATH with the go command and nothing else.
func onlyGoOnPath(t *testing.T) {
	t.Helper()
	goBin, err := exec.LookPath("go")
	require.NoError(t, err)
	dir := t.TempDir()
	require.NoError(t, os.Symlink(goBin, filepath.Join(dir, "go")))
	t.Setenv("PATH", dir)
}

func TestMissingNpmAndServerBinary(t *testing.T) {
	onlyGoOnPath(t)
	t.Setenv("RESTATE_SERVER_BIN", filepath.Join(t.TempDir(), "nowhere", "restate-server"))
	fs := doctor.Check(context.Background(), doctor.Config{Ports: []int{}})

	assert.Equal(t, doctor.OK, find(t, fs, "Go").Level)
	npm := find(t, fs, "npm")
	assert.Equal(t, doctor.Problem, npm.Level)
	assert.Contains(t, npm.Fix, "https://nodejs.org")
	srv := find(t, fs, "restate-server")
	assert.Equal(t, doctor.Problem, srv.Level)
	assert.Contains(t, srv.What, "RESTATE_SERVER_BIN")
	assert.Contains(t, srv.Fix, "unset it")

	var out strings.Builder
	require.NoError(t, doctor.Text(&out, fs))
	assert.Contains(t, out.String(), "PROBLEM npm")
	assert.Contains(t, out.String(), "fix: install Node.js")
	assert.Contains(t, out.String(), "problem(s) to fix")
}

// A server that is not downloaded yet is a note, not a problem, when npm can fetch it.
func TestServerNotDownloadedYet(t *testing.T) {
	t.Setenv("RESTATE_SERVER_BIN", "")
	t.Setenv("XDG_CACHE_HOME", t.TempDir())
	fs := doctor.Check(context.Background(), doctor.Config{Ports: []int{}})
	srv := find(t, fs, "restate-server")
	assert.Equal(t, doctor.Note, srv.Level)
	assert.Contains(t, srv.What, "not downloaded yet")
	if _, err := exec.LookPath("npm"); err == nil {
		assert.Equal(t, doctor.OK, find(t, fs, "npm").Level)
	}
}

func TestServerThatRuns(t *testing.T) {
	// The pinned binary, fetched into the cache on first use as the grader does.
	bin, err := runtime.BinaryPath(t.Context(), nil)
	require.NoError(t, err, "fetch restate-server")
	t.Setenv("RESTATE_SERVER_BIN", bin)
	fs := doctor.Check(context.Background(), doctor.Config{Ports: []int{}})
	srv := find(t, fs, "restate-server")
	assert.Equal(t, doctor.OK, srv.Level, srv.What)
	assert.Contains(t, srv.What, "restate-server 1.7.12")
}

func TestBusyPort(t *testing.T) {
	busy, err := net.Listen("tcp", "127.0.0.1:0")
	require.NoError(t, err)
	defer busy.Close()
	port := busy.Addr().(*net.TCPAddr).Port

	fs := doctor.Check(context.Background(), doctor.Config{Ports: []int{port}})
	f := find(t, fs, "port "+strconv.Itoa(port))
	assert.Equal(t, doctor.Problem, f.Level)
	assert.Contains(t, f.What, "in use")
	assert.Contains(t, f.Fix, "ss -ltnp")
	assert.Equal(t, doctor.OK, find(t, fs, "loopback").Level)

	busy.Close()
	fs = doctor.Check(context.Background(), doctor.Config{Ports: []int{port}})
	assert.Equal(t, doctor.OK, find(t, fs, "port "+strconv.Itoa(port)).Level, "free once released")
}

// doctor says which restate-server --runtime auto will use, and why.
func TestRuntimeAutoSaysWhich(t *testing.T) {
	t.Setenv("DOCKER_HOST", "unix://"+t.TempDir()+"/docker.sock")
	fs := doctor.Check(context.Background(), doctor.Config{Ports: []int{}})
	auto := find(t, fs, "runtime auto")
	assert.Equal(t, doctor.OK, auto.Level)
	assert.Equal(t, "uses the native binary: no Docker engine answered", auto.What)
	assert.Equal(t, doctor.Note, find(t, fs, "Docker").Level)
}
