package runtime

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"os"
	"sync"
	"time"

	cerrdefs "github.com/containerd/errdefs"
	"github.com/moby/moby/api/pkg/stdcopy"
	"github.com/moby/moby/api/types/container"
	"github.com/moby/moby/client"
	"github.com/testcontainers/testcontainers-go"
	tclog "github.com/testcontainers/testcontainers-go/log"
)

// containerDataDir is the data dir inside the container; it lives and dies with the
// container, which survives a restart and is removed by Stop.
const containerDataDir = "/restate-data"

// containerServer is a restate-server in a container on the host network.
type containerServer struct {
	ctr    *testcontainers.DockerContainer
	docker *testcontainers.DockerClient // follows logs; testcontainers' follower replays them all after a restart
	ports  ports
	out    *logSink

	mu      sync.Mutex // serialises Restart and Stop
	follow  chan struct{}
	stopped bool
}

// errPull marks a start that failed because the image could not be pulled.
var errPull = errors.New("could not pull the image")

func startContainer(ctx context.Context, cfg Config) (Server, error) {
	setTestcontainersEnv()
	// Checked here, once, because testcontainers would pull a missing image silently.
	present, err := imagePresent(ctx, cfg.Image)
	if err != nil {
		return nil, fmt.Errorf("start restate-server container: %w", err)
	}
	if !present {
		if err := pullImage(ctx, cfg.Image, cfg.Progress); err != nil {
			return nil, fmt.Errorf("start restate-server container: %w: %w (without a registry, build it locally with .ci/restate-image.sh, or use --runtime native)", errPull, err)
		}
	}
	for attempt := 1; ; attempt++ {
		s, err := runContainer(ctx, cfg)
		if err == nil {
			return s, nil
		}
		if !errors.Is(err, errAddrInUse) || attempt == portAttempts {
			return nil, fmt.Errorf("start restate-server container: %w", err)
		}
		fmt.Fprintf(cfg.Progress, "restate-server: a chosen port was taken meanwhile; retrying with new ports\n")
	}
}

var quietTestcontainers sync.Once

// setTestcontainersEnv must run before testcontainers reads its configuration (it does so
// once per process). Values the user set win.
func setTestcontainersEnv() {
	// Its process-wide logger prints a banner on first connection, which would land in the
	// grader's terminal output; our own errors say what went wrong.
	quietTestcontainers.Do(func() { tclog.SetDefault(tclog.NewNoopLogger()) })
	for k, v := range map[string]string{
		// Ryuk's image cannot be pulled here, and removing our containers is our job anyway.
		"TESTCONTAINERS_RYUK_DISABLED": "true",
		// A /.dockerenv file makes testcontainers believe it runs in a container and look for
		// servers on the bridge gateway; with host networking everything is on loopback.
		"TESTCONTAINERS_HOST_OVERRIDE": loopback,
	} {
		if _, ok := os.LookupEnv(k); !ok {
			os.Setenv(k, v)
		}
	}
}

// runContainer starts one container on freshly chosen ports; on any failure it removes it.
func runContainer(ctx context.Context, cfg Config) (_ *containerServer, err error) {
	p, err := freePorts()
	if err != nil {
		return nil, err
	}
	ctr, err := testcontainers.GenericContainer(ctx, testcontainers.GenericContainerRequest{
		ContainerRequest: testcontainers.ContainerRequest{
			Image: cfg.Image,
			Cmd:   []string{"--base-dir", containerDataDir, "--node-name", "n1", "--no-logo"},
			Env:   serverEnv(cfg, p),
			// Who owns it: a later grader removes it should this one be killed (Ryuk,
			// testcontainers' own reaper, needs an image that cannot always be pulled).
			Labels: ownerLabels(),
			// Host networking only: the server binds 127.0.0.1 like the native one, and
			// reaches the learner's service on 127.0.0.1. A bridge would need neither.
			HostConfigModifier: func(hc *container.HostConfig) { hc.NetworkMode = "host" },
		},
		Started: true,
		Logger:  tclog.NewNoopLogger(),
	})
	// A container can exist even when err != nil: remove it on every failure path.
	dc, _ := ctr.(*testcontainers.DockerContainer)
	s := &containerServer{ctr: dc, ports: p, out: newLogSink(cfg.Log)}
	defer func() {
		if err != nil {
			s.discard()
		}
	}()
	if err != nil {
		return nil, fmt.Errorf("run %s: %w", cfg.Image, err)
	}
	if dc == nil {
		return nil, fmt.Errorf("run %s: unexpected container type %T", cfg.Image, ctr)
	}
	s.docker, err = testcontainers.NewDockerClientWithOpts(ctx)
	if err != nil {
		return nil, fmt.Errorf("docker client: %w", err)
	}
	s.followLogs("")
	if err := waitReady(ctx, s.AdminURL(), s.gone); err != nil {
		return nil, err
	}
	return s, nil
}

func (s *containerServer) Kind() Kind         { return Container }
func (s *containerServer) IngressURL() string { return s.ports.ingressURL() }
func (s *containerServer) AdminURL() string   { return s.ports.adminURL() }

// Restart stops and starts the same container: its writable layer (the data dir) and its
// environment (the ports) are kept, so state and in-flight invocations survive.
func (s *containerServer) Restart(ctx context.Context) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.stopped {
		return errors.New("restart restate-server container: already stopped")
	}
	grace := stopGrace
	if err := s.ctr.Stop(ctx, &grace); err != nil {
		return fmt.Errorf("restart restate-server container: stop: %w", err)
	}
	s.waitFollower()
	// Only this run's output: the old run's lines were forwarded already.
	since := time.Now()
	if err := s.ctr.Start(ctx); err != nil {
		return fmt.Errorf("restart restate-server container: start: %w", err)
	}
	s.followLogs(fmt.Sprintf("%d.%09d", since.Unix(), since.Nanosecond()))
	if err := waitReady(ctx, s.AdminURL(), s.gone); err != nil {
		return fmt.Errorf("restart restate-server container: %w", err)
	}
	return nil
}

func (s *containerServer) Stop() error {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.stopped {
		return nil
	}
	s.stopped = true
	if err := s.discard(); err != nil {
		return fmt.Errorf("remove restate-server container: %w", err)
	}
	return nil
}

// discard removes the container and releases what follows it; it tolerates a half-built
// server, so a failed start can use it too.
func (s *containerServer) discard() error {
	var err error
	if s.ctr != nil {
		// Not the caller's context: removal must happen even when the grade was cancelled.
		ctx, cancel := context.WithTimeout(context.Background(), stopGrace+20*time.Second)
		defer cancel()
		err = s.ctr.Terminate(ctx, testcontainers.StopTimeout(stopGrace))
	}
	// After Terminate, so that the log stream has ended.
	s.waitFollower()
	if s.docker != nil {
		s.docker.Close()
	}
	return err
}

// followLogs copies the container's output to the log until the container stops.
func (s *containerServer) followLogs(since string) {
	done := make(chan struct{})
	s.follow = done
	go func() {
		defer close(done)
		rc, err := s.docker.ContainerLogs(context.Background(), s.ctr.GetContainerID(), client.ContainerLogsOptions{
			ShowStdout: true, ShowStderr: true, Follow: true, Since: since,
		})
		if err != nil {
			fmt.Fprintf(s.out, "grader: cannot follow container logs: %v\n", err)
			return
		}
		defer rc.Close()
		_, _ = stdcopy.StdCopy(s.out, s.out, rc)
	}()
}

// waitFollower waits for the log stream, which ends when the container stops.
func (s *containerServer) waitFollower() {
	if s.follow == nil {
		return
	}
	select {
	case <-s.follow:
	case <-time.After(5 * time.Second):
		// A stream that outlives its container is harmless; do not hang Stop on it.
	}
	s.follow = nil
}

// gone reports a container that exited before it was ready, with its last log lines.
func (s *containerServer) gone() error {
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	st, err := s.ctr.State(ctx)
	if err != nil {
		return fmt.Errorf("inspect restate-server container: %w", err)
	}
	if st.Running {
		return nil
	}
	logTail := s.logTail(ctx)
	err = fmt.Errorf("restate-server container exited (code %d) before it was ready; last log lines:\n%s", st.ExitCode, logTail)
	if mentionsAddrInUse(logTail) {
		return fmt.Errorf("%w: %w", errAddrInUse, err)
	}
	return err
}

// logTail asks the engine rather than our follower, which may not have caught up yet.
func (s *containerServer) logTail(ctx context.Context) string {
	rc, err := s.docker.ContainerLogs(ctx, s.ctr.GetContainerID(), client.ContainerLogsOptions{
		ShowStdout: true, ShowStderr: true, Tail: "30",
	})
	if err != nil {
		return s.out.tail(30)
	}
	defer rc.Close()
	var buf bytes.Buffer
	_, _ = stdcopy.StdCopy(&buf, &buf, rc)
	return tail(buf.String(), 30)
}

// DockerAvailable reports whether a Docker engine answers (quickly, <1s when none).
//
// It deliberately does not ask testcontainers, which remembers a failed discovery for the
// rest of the process: a grader must be able to ask before a Docker engine was started.
func DockerAvailable(ctx context.Context) bool {
	ctx, cancel := context.WithTimeout(ctx, time.Second)
	defer cancel()
	cli, err := client.New(client.FromEnv)
	if err != nil {
		return false
	}
	defer cli.Close()
	_, err = cli.Ping(ctx, client.PingOptions{NegotiateAPIVersion: true})
	return err == nil
}

// imagePresent reports whether image is in the local engine.
func imagePresent(ctx context.Context, image string) (bool, error) {
	cli, err := client.New(client.FromEnv)
	if err != nil {
		return false, fmt.Errorf("docker client: %w", err)
	}
	defer cli.Close()
	_, err = cli.ImageInspect(ctx, image)
	switch {
	case err == nil:
		return true, nil
	case cerrdefs.IsNotFound(err):
		return false, nil
	default:
		return false, fmt.Errorf("inspect image %s: %w", image, err)
	}
}
