package proxy

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	"idempotency/grader/runtime"

	"github.com/stretchr/testify/require"
)

// restateServer is a restate-server child process on three loopback ports.
// The grader's real runtime lives in grader/runtime; this is only what the
// proxy's tests need, so the two packages can change independently.
type restateServer struct {
	admin   string // http://127.0.0.1:P
	ingress string // http://127.0.0.1:P
	logPath string
}

// restateBin is the pinned restate-server binary, fetched into the grader's cache on
// first use as the grader itself does ($RESTATE_SERVER_BIN overrides it): these tests
// never skip for want of a server.
func restateBin(t testing.TB) string {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Minute)
	defer cancel()
	bin, err := runtime.BinaryPath(ctx, nil)
	require.NoError(t, err, "fetch restate-server")
	return bin
}

// freePorts asks the kernel for n distinct free loopback ports.
func freePorts(t testing.TB, n int) []int {
	t.Helper()
	var ports []int
	for range n {
		ln, err := net.Listen("tcp", "127.0.0.1:0")
		require.NoError(t, err)
		defer ln.Close() // hold all n open at once, so they are distinct
		ports = append(ports, ln.Addr().(*net.TCPAddr).Port)
	}
	return ports
}

// startRestate starts a server with fast retries and waits until it answers SQL,
// which is later than health: only then do partitions accept invocations.
func startRestate(t testing.TB, extraEnv ...string) *restateServer {
	t.Helper()
	bin := restateBin(t)
	ports := freePorts(t, 3)
	dir := t.TempDir()
	rs := &restateServer{
		admin:   fmt.Sprintf("http://127.0.0.1:%d", ports[0]),
		ingress: fmt.Sprintf("http://127.0.0.1:%d", ports[1]),
		logPath: filepath.Join(dir, "restate.log"),
	}
	logFile, err := os.Create(rs.logPath)
	require.NoError(t, err)
	t.Cleanup(func() { logFile.Close() })

	cmd := exec.Command(bin, "--base-dir", filepath.Join(dir, "data"), "--node-name", "n1")
	cmd.Env = append(os.Environ(),
		fmt.Sprintf("RESTATE_ADMIN__BIND_ADDRESS=127.0.0.1:%d", ports[0]),
		fmt.Sprintf("RESTATE_INGRESS__BIND_ADDRESS=127.0.0.1:%d", ports[1]),
		fmt.Sprintf("RESTATE_BIND_ADDRESS=127.0.0.1:%d", ports[2]),
		"RESTATE_DEFAULT_NUM_PARTITIONS=1",
		"RESTATE_DEFAULT_RETRY_POLICY__INITIAL_INTERVAL=50ms",
		"RESTATE_DEFAULT_RETRY_POLICY__MAX_INTERVAL=500ms",
		"RESTATE_DEFAULT_RETRY_POLICY__MAX_ATTEMPTS=10",
		"RESTATE_DEFAULT_RETRY_POLICY__ON_MAX_ATTEMPTS=kill",
	)
	cmd.Env = append(cmd.Env, extraEnv...)
	cmd.Stdout = logFile
	cmd.Stderr = logFile
	require.NoError(t, cmd.Start())
	exited := make(chan error, 1)
	go func() { exited <- cmd.Wait() }()
	t.Cleanup(func() {
		_ = cmd.Process.Signal(syscall.SIGTERM)
		select {
		case <-exited:
		case <-time.After(10 * time.Second):
			_ = cmd.Process.Kill()
			<-exited
		}
		if t.Failed() {
			rs.dumpLog(t)
		}
	})

	deadline := time.Now().Add(30 * time.Second)
	for {
		if err := rs.query("SELECT id FROM sys_invocation LIMIT 1"); err == nil {
			return rs
		} else if time.Now().After(deadline) {
			t.Fatalf("restate-server not ready after 30s: %v", err)
		}
		select {
		case err := <-exited:
			rs.dumpLog(t)
			t.Fatalf("restate-server exited before ready: %v", err)
		case <-time.After(20 * time.Millisecond):
		}
	}
}

func (rs *restateServer) dumpLog(t testing.TB) {
	t.Helper()
	b, _ := os.ReadFile(rs.logPath)
	if len(b) > 8000 {
		b = b[len(b)-8000:]
	}
	t.Logf("restate-server log tail:\n%s", b)
}

func (rs *restateServer) query(sql string) error {
	body, _ := json.Marshal(map[string]string{"query": sql})
	req, err := http.NewRequest(http.MethodPost, rs.admin+"/query", bytes.NewReader(body))
	if err != nil {
		return err
	}
	req.Header.Set("content-type", "application/json")
	req.Header.Set("accept", "application/json")
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		return err
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		b, _ := io.ReadAll(resp.Body)
		return fmt.Errorf("query: %s: %s", resp.Status, b)
	}
	return nil
}

// register points Restate at uri for the services found there.
func (rs *restateServer) register(t testing.TB, uri string) {
	t.Helper()
	body := fmt.Sprintf(`{"uri":%q,"force":true}`, uri)
	resp, err := http.Post(rs.admin+"/deployments", "application/json", strings.NewReader(body))
	require.NoError(t, err)
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	require.Containsf(t, []int{http.StatusOK, http.StatusCreated}, resp.StatusCode, "register %s: %s", uri, b)
}

// callResult is what Restate's ingress answered.
type callResult struct {
	status int
	id     string // x-restate-id
	body   string
}

// call invokes Svc/key/handler through the ingress and waits for the result.
// A nil input sends no body, which is what a Void handler requires.
func (rs *restateServer) call(ctx context.Context, service, key, handler string, input any) (callResult, error) {
	var body io.Reader
	if input != nil {
		b, err := json.Marshal(input)
		if err != nil {
			return callResult{}, err
		}
		body = bytes.NewReader(b)
	}
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, fmt.Sprintf("%s/%s/%s/%s", rs.ingress, service, key, handler), body)
	if err != nil {
		return callResult{}, err
	}
	if input != nil {
		req.Header.Set("content-type", "application/json")
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		return callResult{}, err
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	return callResult{status: resp.StatusCode, id: resp.Header.Get("x-restate-id"), body: string(b)}, err
}
