package runtime

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"os"
	"os/exec"
	"strings"
	"sync"
	"testing"
	"time"

	"idempotency/grader/submission"

	cerrdefs "github.com/containerd/errdefs"
	"github.com/moby/moby/api/types/container"
	"github.com/moby/moby/client"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// requireDocker skips a container test where there is no Docker engine, unless
// IDEM_REQUIRE_DOCKER=1 (CI) says that this would hide a broken setup.
func requireDocker(t *testing.T) {
	t.Helper()
	required := os.Getenv("IDEM_REQUIRE_DOCKER") == "1"
	if !DockerAvailable(t.Context()) {
		if required {
			t.Fatal("no Docker engine answered, and IDEM_REQUIRE_DOCKER=1 (run .ci/docker.sh)")
		}
		t.Skip("skipped: no Docker engine")
	}
	present, err := imagePresent(t.Context(), DefaultImage)
	require.NoError(t, err)
	if !present {
		if required {
			t.Fatalf("image %s is not present, and IDEM_REQUIRE_DOCKER=1 (run .ci/restate-image.sh)", DefaultImage)
		}
		t.Skipf("skipped: image %s not present (run .ci/restate-image.sh)", DefaultImage)
	}
}

func TestContainerLifecycle(t *testing.T) {
	requireDocker(t)
	var log syncBuffer
	s := startServer(t, Config{Kind: Container, Log: serverLogTo(t, &log)})
	cs := s.(*containerServer)
	assert.Equal(t, Container, s.Kind())
	assertLoopbackOnly(t, s, cs.ports)
	require.NoError(t, querySQL(t.Context(), s.AdminURL()))

	ts := startTestService(t)
	register(t, s, ts)
	assert.Equal(t, 2, add(t, s, "a", 2))

	id := cs.ctr.GetContainerID()
	pid := containerPID(t, id)
	admin, ingress := s.AdminURL(), s.IngressURL()
	began := time.Now()
	require.NoError(t, s.Restart(t.Context()))
	t.Logf("restart to ready in %s", time.Since(began).Round(time.Millisecond))
	assert.Equal(t, id, cs.ctr.GetContainerID(), "restart keeps the container (and its data)")
	assert.NotEqual(t, pid, containerPID(t, id), "restart must run a new server process")
	assert.False(t, alive(pid), "the old server process must be gone after a restart")
	assert.Equal(t, admin, s.AdminURL())
	assert.Equal(t, ingress, s.IngressURL())
	eventually(t, 5*time.Second, func() bool { return startsLogged(log.String()) == 2 },
		"the log must show both runs' output once each; starts seen: %d", startsLogged(log.String()))
	// Neither the deployment nor the object state had to be recreated.
	assert.Equal(t, 5, add(t, s, "a", 3))

	pid = containerPID(t, id)
	require.NoError(t, s.Stop())
	assert.False(t, alive(pid), "server process %d still exists after Stop", pid)
	assert.False(t, containerExists(t, id), "container %s still exists after Stop", id)
	assert.NoError(t, s.Stop(), "Stop must be idempotent")
	assert.Error(t, s.Restart(t.Context()), "a stopped server cannot restart")
}

func TestContainerSideBySide(t *testing.T) {
	requireDocker(t)
	servers := make([]Server, 2)
	var wg sync.WaitGroup
	for i := range servers {
		wg.Go(func() {
			s, err := Start(t.Context(), Config{Kind: Container, Log: serverLog(t)})
			if s != nil {
				t.Cleanup(func() { assert.NoError(t, s.Stop()) })
			}
			assert.NoError(t, err)
			servers[i] = s
		})
	}
	wg.Wait()
	require.False(t, t.Failed())
	a, b := servers[0].(*containerServer), servers[1].(*containerServer)
	assert.NotEqual(t, a.ports, b.ports)
	assert.NotEqual(t, a.ctr.GetContainerID(), b.ctr.GetContainerID())
	for _, s := range servers {
		assert.NoError(t, querySQL(t.Context(), s.AdminURL()))
	}
}

func TestContainerStartFailureRemovesContainer(t *testing.T) {
	requireDocker(t)
	before := ownContainers(t)
	// Start refuses a negative budget; past that check, the server's config parser rejects
	// it at start, which is a server that exits before it is ready.
	s, err := startContainer(t.Context(), Config{Kind: Container, RetryMaxAttempts: -1, Image: DefaultImage, Log: serverLog(t), Progress: io.Discard})
	if s != nil {
		t.Cleanup(func() { s.Stop() })
	}
	require.Error(t, err)
	t.Logf("error: %v", err)
	assert.ErrorContains(t, err, "exited")
	assert.ErrorContains(t, err, "MaxAttempts", "the error must carry the server's last log lines")
	assert.ElementsMatch(t, before, ownContainers(t), "a failed start must remove its container")
}

func TestContainerUnpullableImageFails(t *testing.T) {
	requireDocker(t)
	before := ownContainers(t)
	var progress bytes.Buffer
	s, err := Start(t.Context(), Config{Kind: Container, Image: "127.0.0.1:1/idempotency-grader/no-such-image:0", Progress: &progress})
	assert.Nil(t, s)
	assert.ErrorIs(t, err, errPull)
	assert.ErrorContains(t, err, ".ci/restate-image.sh", "the error says what to do without a registry")
	assert.Contains(t, progress.String(), "pulling 127.0.0.1:1/idempotency-grader/no-such-image:0")
	assert.ElementsMatch(t, before, ownContainers(t), "a failed pull leaves no container")
}

// A container whose grader is gone is removed by the next sweep; one whose grader runs
// (this test process) is kept.
func TestSweepContainers(t *testing.T) {
	requireDocker(t)
	s := startServer(t, Config{Kind: Container, Log: serverLog(t)})
	live := s.(*containerServer).ctr.GetContainerID()
	cli := dockerClient(t)
	res, err := cli.ContainerInspect(t.Context(), live, client.ContainerInspectOptions{})
	require.NoError(t, err)
	assert.Equal(t, submission.Self().String(), res.Container.Config.Labels[labelOwner], "every container carries its owner")

	labels := ownerLabels()
	labels[labelOwner] = deadOwner(t).String()
	created, err := cli.ContainerCreate(t.Context(), client.ContainerCreateOptions{
		Config: &container.Config{Image: DefaultImage, Cmd: []string{"--version"}, Labels: labels},
	})
	require.NoError(t, err)
	orphan := created.ID
	t.Cleanup(func() {
		_, _ = cli.ContainerRemove(context.Background(), orphan, client.ContainerRemoveOptions{Force: true})
	})

	n, err := SweepContainers(t.Context())
	require.NoError(t, err)
	assert.Equal(t, 1, n)
	assert.False(t, containerExists(t, orphan), "the container of a grader that is gone must be removed")
	assert.True(t, containerExists(t, live), "a running grader's container must be kept")
}

// deadOwner is a process that ran and is gone, as the owner a killed grader leaves.
func deadOwner(t *testing.T) submission.Owner {
	t.Helper()
	cmd := exec.Command("sleep", "60")
	require.NoError(t, cmd.Start())
	o, ok := submission.ParseOwner(fmt.Sprintf("%d-%s", cmd.Process.Pid, procStart(t, cmd.Process.Pid)))
	require.True(t, ok)
	require.NoError(t, cmd.Process.Kill())
	_ = cmd.Wait()
	return o
}

// procStart is field 22 of /proc/PID/stat, the process's start time.
func procStart(t *testing.T, pid int) string {
	t.Helper()
	b, err := os.ReadFile(fmt.Sprintf("/proc/%d/stat", pid))
	require.NoError(t, err)
	s := string(b)
	f := strings.Fields(s[strings.LastIndexByte(s, ')')+1:])
	return f[19]
}

func TestAutoChoosesContainerWhenImagePresent(t *testing.T) {
	requireDocker(t)
	var progress bytes.Buffer
	s := startServer(t, Config{Progress: &progress, Log: serverLog(t)})
	assert.Equal(t, Container, s.Kind())
	assert.Contains(t, progress.String(), "restate-server: container (")
}

func dockerClient(t *testing.T) *client.Client {
	t.Helper()
	cli, err := client.New(client.FromEnv)
	require.NoError(t, err)
	t.Cleanup(func() { cli.Close() })
	return cli
}

// containerPID is the server's pid as the host sees it, to check it is gone afterwards.
func containerPID(t *testing.T, id string) int {
	t.Helper()
	res, err := dockerClient(t).ContainerInspect(t.Context(), id, client.ContainerInspectOptions{})
	require.NoError(t, err)
	require.NotZero(t, res.Container.State.Pid)
	return res.Container.State.Pid
}

func containerExists(t *testing.T, id string) bool {
	t.Helper()
	_, err := dockerClient(t).ContainerInspect(t.Context(), id, client.ContainerInspectOptions{})
	if cerrdefs.IsNotFound(err) {
		return false
	}
	require.NoError(t, err)
	return true
}

// ownContainers lists the containers this test process started (other packages' tests
// start and remove containers at the same time).
func ownContainers(t *testing.T) []string {
	t.Helper()
	res, err := dockerClient(t).ContainerList(t.Context(), client.ContainerListOptions{All: true,
		Filters: make(client.Filters).Add("label", labelOwner+"="+submission.Self().String())})
	require.NoError(t, err)
	var ids []string
	for _, c := range res.Items {
		ids = append(ids, c.ID)
	}
	return ids
}
