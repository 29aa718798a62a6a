//go:build linux

package submission

import (
	"bufio"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// deadOwner is a process that ran and is gone, as the owner a killed grader leaves.
func deadOwner(t *testing.T) Owner {
	t.Helper()
	cmd := exec.Command("sleep", "60")
	require.NoError(t, cmd.Start())
	o := Owner{PID: cmd.Process.Pid, Start: startTime(cmd.Process.Pid)}
	require.NotZero(t, o.Start)
	require.True(t, o.Alive())
	require.NoError(t, cmd.Process.Kill())
	_ = cmd.Wait()
	return o
}

func TestOwner(t *testing.T) {
	me := Self()
	assert.Equal(t, os.Getpid(), me.PID)
	assert.True(t, me.Alive())
	back, ok := ParseOwner(me.String())
	assert.True(t, ok)
	assert.Equal(t, me, back)
	for _, bad := range []string{"", "12", "x-1", "1-x", "-1-2"} {
		_, ok := ParseOwner(bad)
		assert.False(t, ok, bad)
	}
	assert.False(t, deadOwner(t).Alive(), "a reaped process is gone")
	reused := Owner{PID: me.PID, Start: me.Start + 1}
	assert.False(t, reused.Alive(), "a pid that started at another time is another process")
}

func TestOwnerZombieIsGone(t *testing.T) {
	cmd := exec.Command("sleep", "60")
	require.NoError(t, cmd.Start())
	o := Owner{PID: cmd.Process.Pid, Start: startTime(cmd.Process.Pid)}
	require.NoError(t, cmd.Process.Kill())
	// Not reaped yet: a zombie, as a grader killed under a parent that has not waited.
	assert.Eventually(t, func() bool { return !o.Alive() }, 5*time.Second, 10*time.Millisecond)
	_ = cmd.Wait()
}

// Sweep removes exactly what belongs to graders that are gone: their temp dirs, their
// staged copies, their processes; never a live grader's (this test process's).
func TestSweepRemovesOnlyWhatTheDeadLeft(t *testing.T) {
	dead := deadOwner(t)
	tmp := t.TempDir()
	root := t.TempDir()

	deadDir := filepath.Join(tmp, TempDirPrefix+dead.String()+"-123")
	liveDir, err := OwnTempDir(tmp)
	require.NoError(t, err)
	other := filepath.Join(tmp, "grade-ex1-999") // not a grader's own dir: unknown owner, kept
	for _, d := range []string{deadDir, filepath.Join(deadDir, "build"), other} {
		require.NoError(t, os.MkdirAll(d, 0o755))
	}
	info, err := os.Stat(liveDir)
	require.NoError(t, err)
	assert.Equal(t, os.FileMode(0o711), info.Mode().Perm(), "a service run as nobody must reach its binary")

	deadCopy := filepath.Join(root, ".grade", "batch", "stage-1")
	deadShallow := filepath.Join(root, ".grade", "stage-3")
	require.NoError(t, os.MkdirAll(deadShallow, 0o755))
	require.NoError(t, os.WriteFile(filepath.Join(deadShallow, ownerFile), []byte(dead.String()+"\n"), 0o644))
	liveCopy := filepath.Join(root, ".grade", "batch", "stage-2")
	require.NoError(t, os.MkdirAll(filepath.Join(deadCopy, "ex1"), 0o755))
	require.NoError(t, os.MkdirAll(filepath.Join(liveCopy, "ex1"), 0o755))
	require.NoError(t, os.WriteFile(filepath.Join(deadCopy, ownerFile), []byte(dead.String()+"\n"), 0o644))
	require.NoError(t, MarkOwned(liveCopy))

	orphan := exec.Command("sleep", "60")
	orphan.Env = append(os.Environ(), OwnerEnv+"="+dead.String())
	require.NoError(t, orphan.Start())
	orphanDone := make(chan struct{})
	go func() { _ = orphan.Wait(); close(orphanDone) }()
	child := exec.Command("sleep", "60")
	child.Env = append(os.Environ(), OwnerEnvVar())
	require.NoError(t, child.Start())
	t.Cleanup(func() { _ = child.Process.Kill(); _ = child.Wait() })

	l := Sweep(tmp, root)
	assert.Equal(t, 1, l.TempDirs)
	assert.Equal(t, 2, l.Copies)
	// Processes and cgroups are the machine's: a killed grader elsewhere may add some.
	assert.GreaterOrEqual(t, l.Processes, 1)
	assert.Contains(t, l.Owners, dead)
	select {
	case <-orphanDone:
	case <-time.After(5 * time.Second):
		t.Fatal("the orphan of a dead grader still runs after the sweep")
	}
	assert.NoDirExists(t, deadDir)
	assert.NoDirExists(t, deadCopy)
	assert.NoDirExists(t, deadShallow)
	assert.DirExists(t, liveDir)
	assert.DirExists(t, liveCopy)
	assert.DirExists(t, other)
	assert.NoError(t, child.Process.Signal(syscall.Signal(0)), "a live grader's child must survive the sweep")

	again := Sweep(tmp, root)
	assert.Zero(t, again.TempDirs+again.Copies, "a second sweep finds nothing")
	assert.NotContains(t, again.Owners, dead)
}

func TestLeftoversSay(t *testing.T) {
	assert.Equal(t, "1 process, 2 temp dirs, 2 staged copies", Leftovers{Processes: 1, TempDirs: 2, Copies: 2}.String())
	assert.Equal(t, "3 cgroups", Leftovers{Cgroups: 3}.String())
	assert.True(t, Leftovers{}.Empty())
}

// A service dies with its grader, however the grader dies: the helper below plays the
// grader, starts a service and is killed with SIGKILL.
func TestServiceDiesWithItsGrader(t *testing.T) {
	dir := t.TempDir()
	bin := filepath.Join(dir, "service")
	require.NoError(t, os.WriteFile(bin, []byte("#!/bin/sh\nexec sleep 300\n"), 0o755))
	helper := exec.Command(os.Args[0], "-test.run=^TestHelperGrader$")
	helper.Env = append(os.Environ(), "IDEM_HELPER_SERVICE="+bin)
	out, err := helper.StdoutPipe()
	require.NoError(t, err)
	require.NoError(t, helper.Start())
	t.Cleanup(func() { _ = helper.Process.Kill(); _ = helper.Wait() })
	sc := bufio.NewScanner(out)
	pid := 0
	for sc.Scan() {
		if v, ok := strings.CutPrefix(sc.Text(), "service "); ok {
			pid, _ = strconv.Atoi(v)
			break
		}
	}
	require.NotZero(t, pid, "the helper did not start its service")
	state, _, ok := procStat(pid)
	require.True(t, ok && state != 'Z', "the service runs")

	require.NoError(t, helper.Process.Signal(syscall.SIGKILL))
	_ = helper.Wait()
	assert.Eventually(t, func() bool {
		state, _, ok := procStat(pid)
		return !ok || state == 'Z'
	}, 5*time.Second, 20*time.Millisecond, "the service outlived its grader's SIGKILL")
}

func TestHelperGrader(t *testing.T) {
	bin := os.Getenv("IDEM_HELPER_SERVICE")
	if bin == "" {
		t.Skip("helper process for TestServiceDiesWithItsGrader")
	}
	p, err := Start(bin, nil, WithLogTail(1024))
	require.NoError(t, err)
	os.Stdout.WriteString("service " + strconv.Itoa(p.cmd.Process.Pid) + "\n")
	time.Sleep(time.Minute)
}

// The batch cgroups of a grader that is gone are emptied (their processes killed) and
// removed; a running grader's are kept.
func TestSweepRemovesCgroupsOfDeadGraders(t *testing.T) {
	if !CgroupsWritable() {
		t.Skip("cgroups are not writable here")
	}
	mk := func(name string) *cgroup {
		cg := &cgroup{}
		for _, ctl := range []string{"memory", "pids", "cpu"} {
			dir := filepath.Join(CgroupRoot, ctl, cgroupParent, name)
			require.NoError(t, os.Mkdir(dir, 0o755))
			cg.dirs = append(cg.dirs, dir)
		}
		t.Cleanup(cg.remove)
		return cg
	}
	dead := mk(deadOwner(t).String() + "-1")
	live := mk(Self().String() + "-999999")
	orphan := exec.Command("sleep", "60")
	require.NoError(t, orphan.Start())
	done := make(chan struct{})
	go func() { _ = orphan.Wait(); close(done) }()
	require.NoError(t, dead.add(orphan.Process.Pid))

	l := Sweep(t.TempDir(), "")
	assert.GreaterOrEqual(t, l.Cgroups, 1)
	select {
	case <-done:
	case <-time.After(5 * time.Second):
		t.Fatal("the process in a dead grader's cgroup still runs")
	}
	for _, d := range dead.dirs {
		assert.NoDirExists(t, d)
	}
	for _, d := range live.dirs {
		assert.DirExists(t, d)
	}
}
