package runtime

import (
	"context"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"syscall"
	"time"

	"idempotency/grader/submission"
)

const (
	// portAttempts bounds retries when a chosen port was taken between choosing and binding.
	portAttempts = 3
	// stopGrace is how long SIGTERM gets before SIGKILL; the server needs ~50 ms.
	stopGrace = 10 * time.Second
)

// errAddrInUse marks a start that failed only because a chosen port was taken meanwhile.
var errAddrInUse = errors.New("address in use")

// nativeServer is a restate-server binary run as our child process.
type nativeServer struct {
	bin     string
	args    []string
	env     []string
	ports   ports
	baseDir string
	out     *logSink

	mu      sync.Mutex // serialises Restart and Stop
	proc    *process   // nil while not running
	stopped bool
}

// process is one run of the binary; done is closed once it has been reaped.
type process struct {
	cmd  *exec.Cmd
	done chan struct{}
	err  error // Wait's result, valid after done
}

func startNative(ctx context.Context, cfg Config) (Server, error) {
	bin, err := BinaryPath(ctx, cfg.Progress)
	if err != nil {
		return nil, err
	}
	for attempt := 1; ; attempt++ {
		s, err := newNative(bin, cfg)
		if err != nil {
			return nil, err
		}
		s.mu.Lock()
		err = s.launch(ctx)
		s.mu.Unlock()
		if err == nil {
			return s, nil
		}
		s.Stop()
		if !errors.Is(err, errAddrInUse) || attempt == portAttempts {
			return nil, fmt.Errorf("start native restate-server: %w", err)
		}
		fmt.Fprintf(cfg.Progress, "restate-server: a chosen port was taken meanwhile; retrying with new ports\n")
	}
}

func newNative(bin string, cfg Config) (*nativeServer, error) {
	p, err := freePorts()
	if err != nil {
		return nil, err
	}
	baseDir, err := os.MkdirTemp("", "restate-grader-")
	if err != nil {
		return nil, fmt.Errorf("create restate base dir: %w", err)
	}
	// The invoker writes scratch files to the temp dir and leaves them there: keep them
	// inside the base dir, which Stop removes.
	tmp := filepath.Join(baseDir, "tmp")
	if err := os.Mkdir(tmp, 0o700); err != nil {
		os.RemoveAll(baseDir)
		return nil, fmt.Errorf("create restate temp dir: %w", err)
	}
	env := serverEnv(cfg, p)
	env["TMPDIR"] = tmp
	return &nativeServer{
		bin:     bin,
		args:    []string{"--base-dir", baseDir, "--node-name", "n1", "--no-logo"},
		env:     childEnv(env),
		ports:   p,
		baseDir: baseDir,
		out:     newLogSink(cfg.Log),
	}, nil
}

// childEnv drops RESTATE_* settings inherited from the user's shell, so that the server's
// configuration is exactly ours and grading does not depend on who runs it.
func childEnv(ours map[string]string) []string {
	var env []string
	for _, kv := range os.Environ() {
		if !strings.HasPrefix(kv, "RESTATE_") && !strings.HasPrefix(kv, "RUST_LOG=") {
			env = append(env, kv)
		}
	}
	for k, v := range ours {
		env = append(env, k+"="+v)
	}
	// The sweep of a later grader finds the server by it, should this grader be killed
	// (the parent-death signal normally takes the server down with it).
	return append(env, submission.OwnerEnvVar())
}

func (s *nativeServer) Kind() Kind         { return Native }
func (s *nativeServer) IngressURL() string { return s.ports.ingressURL() }
func (s *nativeServer) AdminURL() string   { return s.ports.adminURL() }

// Restart keeps the base dir and the ports, so deployments, state and in-flight
// invocations survive, and the service and the grader need not learn new addresses.
func (s *nativeServer) Restart(ctx context.Context) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.stopped {
		return errors.New("restart restate-server: already stopped")
	}
	s.terminate(true)
	if err := s.launch(ctx); err != nil {
		return fmt.Errorf("restart restate-server: %w", err)
	}
	return nil
}

func (s *nativeServer) Stop() error {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.stopped {
		return nil
	}
	s.stopped = true
	// Its data is removed next, so nothing needs a clean shutdown: SIGTERM would cost
	// ~0.2 CPU-s and 0.3-0.6 s of every grading (measured), SIGKILL neither.
	s.terminate(false)
	if err := os.RemoveAll(s.baseDir); err != nil {
		return fmt.Errorf("remove restate base dir: %w", err)
	}
	return nil
}

// launch starts the binary and waits until it is ready; on failure nothing is left running.
// Callers hold s.mu.
func (s *nativeServer) launch(ctx context.Context) error {
	cmd := exec.Command(s.bin, s.args...)
	cmd.Env = s.env
	cmd.Dir = s.baseDir
	// One writer for both streams, so exec copies them with a single goroutine.
	cmd.Stdout, cmd.Stderr = s.out, s.out
	// Its own process group, so that a signal reaches everything it may spawn.
	cmd.SysProcAttr = procAttr()
	// Do not let a stray holder of its stdout pipe block Wait forever.
	cmd.WaitDelay = 2 * time.Second
	if err := cmd.Start(); err != nil {
		return fmt.Errorf("run %s: %w", s.bin, err)
	}
	p := &process{cmd: cmd, done: make(chan struct{})}
	go func() {
		p.err = cmd.Wait()
		close(p.done)
	}()
	s.proc = p

	err := waitReady(ctx, s.AdminURL(), func() error {
		select {
		case <-p.done:
			return s.exitError(p.err)
		default:
			return nil
		}
	})
	if err != nil {
		s.terminate(false) // it never served: nothing to shut down cleanly
		return err
	}
	return nil
}

func (s *nativeServer) exitError(waitErr error) error {
	logTail := s.out.tail(30)
	err := fmt.Errorf("restate-server exited before it was ready (%v); last log lines:\n%s", waitErr, logTail)
	if mentionsAddrInUse(logTail) {
		return fmt.Errorf("%w: %w", errAddrInUse, err)
	}
	return err
}

// terminate stops the running process, if any, and reaps it. graceful (a restart on the
// same data) sends SIGTERM, then SIGKILL to its group after stopGrace; otherwise the group
// is killed at once. Callers hold s.mu.
func (s *nativeServer) terminate(graceful bool) {
	p := s.proc
	if p == nil {
		return
	}
	s.proc = nil
	if !graceful {
		select {
		case <-p.done: // already reaped: its pid and group id may be reused
		default:
			killGroup(p.cmd.Process.Pid)
		}
		<-p.done
		return
	}
	// Process.Signal knows when the process was already reaped (its pid may be reused).
	_ = p.cmd.Process.Signal(syscall.SIGTERM)
	select {
	case <-p.done:
	case <-time.After(stopGrace):
		// Not reaped yet, so the group id still names our child's group.
		fmt.Fprintf(s.out, "grader: restate-server ignored SIGTERM for %s; sending SIGKILL\n", stopGrace)
		killGroup(p.cmd.Process.Pid)
		<-p.done
	}
}
