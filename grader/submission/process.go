package submission

import (
	"context"
	"errors"
	"fmt"
	"net"
	"net/http"
	"os"
	"os/exec"
	"strconv"
	"sync"
	"syscall"
	"time"
)

// Process is a running submission: a service listening on 127.0.0.1:Port.
type Process struct {
	Binary string
	Port   int
	Env    []string // extra KEY=VALUE pairs

	logs   *tailBuffer
	limits *Limits // nil: no limits
	cgroup *cgroup // nil: no cgroup

	mu   sync.Mutex
	cmd  *exec.Cmd
	done chan struct{}
	exit error // set when done closes
}

// Option configures Start.
type Option func(*Process)

// WithLogTail keeps the last n bytes of the service's output (default 64 KiB).
func WithLogTail(n int) Option { return func(p *Process) { p.logs = newTailBuffer(n) } }

// WithLimits confines the service and everything it forks (nil: no limits).
func WithLimits(l *Limits) Option { return func(p *Process) { p.limits = l } }

// Start runs binary with PORT set to a free loopback port and env appended.
func Start(binary string, env []string, opts ...Option) (*Process, error) {
	port, err := freePort()
	if err != nil {
		return nil, err
	}
	p := &Process{Binary: binary, Port: port, Env: env, logs: newTailBuffer(64 << 10)}
	for _, o := range opts {
		o(p)
	}
	if err := p.start(); err != nil {
		p.cgroup.remove()
		return nil, err
	}
	return p, nil
}

func (p *Process) start() error {
	// Its own process group, so Stop reaches anything the submission forked; the owner
	// variable lets the next grader's sweep find it should this grader die first.
	cmd, gate, err := p.command(append(os.Environ(), append([]string{"PORT=" + strconv.Itoa(p.Port), OwnerEnvVar()}, p.Env...)...))
	if err != nil {
		return err
	}
	cmd.Stdout, cmd.Stderr = p.logs, p.logs
	if err := cmd.Start(); err != nil {
		if gate != nil {
			gate.Close()
		}
		return fmt.Errorf("start service: %w", err)
	}
	if err := p.confine(cmd, gate); err != nil {
		_ = killGroup(cmd.Process.Pid, syscall.SIGKILL)
		_ = cmd.Wait()
		return fmt.Errorf("confine service: %w", err)
	}
	done := make(chan struct{})
	p.mu.Lock()
	p.cmd, p.done, p.exit = cmd, done, nil
	p.mu.Unlock()
	go func() {
		err := cmd.Wait()
		p.mu.Lock()
		p.exit = err
		p.mu.Unlock()
		close(done)
	}()
	return nil
}

// URL is the service's address.
func (p *Process) URL() string { return "http://127.0.0.1:" + strconv.Itoa(p.Port) }

// Logs returns the tail of what the service printed.
func (p *Process) Logs() string { return p.logs.String() }

// Exited reports whether the process has ended, and how.
func (p *Process) Exited() (bool, string) {
	p.mu.Lock()
	done, exit := p.done, p.exit
	p.mu.Unlock()
	select {
	case <-done:
		if exit == nil {
			return true, "exited with status 0"
		}
		return true, exit.Error()
	default:
		return false, ""
	}
}

// WaitHealthy waits until the service answers GET /health over h2c, failing early if
// the process exits.
func (p *Process) WaitHealthy(ctx context.Context) error {
	client := h2cClient()
	defer client.CloseIdleConnections()
	for {
		req, err := http.NewRequestWithContext(ctx, http.MethodGet, p.URL()+"/health", nil)
		if err != nil {
			return err
		}
		resp, err := client.Do(req)
		if err == nil {
			resp.Body.Close()
			if resp.StatusCode == http.StatusOK {
				return nil
			}
		}
		if exited, how := p.Exited(); exited {
			return fmt.Errorf("the service exited before it listened (%s); its output:\n%s", how, p.Logs())
		}
		select {
		case <-ctx.Done():
			return fmt.Errorf("the service never answered on %s (is it listening on $PORT?); its output:\n%s", p.URL(), p.Logs())
		case <-time.After(20 * time.Millisecond):
		}
	}
}

// Kill ends the whole process group at once (a crash) and waits for it.
func (p *Process) Kill() error { return p.signal(syscall.SIGKILL, 0) }

// Stop asks the process group to stop (SIGTERM), and kills it after a grace period.
func (p *Process) Stop() error {
	err := p.signal(syscall.SIGTERM, 2*time.Second)
	p.cgroup.remove()
	return err
}

// Restart kills the process and starts it again on the same port.
func (p *Process) Restart(ctx context.Context) error {
	if err := p.Kill(); err != nil {
		return err
	}
	if err := p.start(); err != nil {
		return err
	}
	return p.WaitHealthy(ctx)
}

func (p *Process) signal(sig syscall.Signal, grace time.Duration) error {
	p.mu.Lock()
	cmd, done := p.cmd, p.done
	p.mu.Unlock()
	if cmd == nil {
		return nil
	}
	pgid := cmd.Process.Pid
	_ = killGroup(pgid, sig)
	if grace > 0 {
		select {
		case <-done:
		case <-time.After(grace):
			_ = killGroup(pgid, syscall.SIGKILL)
			<-done
		}
	} else {
		<-done
	}
	// Anything the submission forked into its group and left behind goes too, and with
	// a cgroup, anything that left the group.
	err := killGroup(pgid, syscall.SIGKILL)
	p.cgroup.killAll()
	if err != nil && !errors.Is(err, syscall.ESRCH) {
		return fmt.Errorf("kill service process group %d: %w", pgid, err)
	}
	return nil
}

func h2cClient() *http.Client {
	var protocols http.Protocols
	protocols.SetUnencryptedHTTP2(true)
	return &http.Client{Transport: &http.Transport{Protocols: &protocols}, Timeout: 2 * time.Second}
}

func freePort() (int, error) {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return 0, fmt.Errorf("find a free port: %w", err)
	}
	defer l.Close()
	return l.Addr().(*net.TCPAddr).Port, nil
}
