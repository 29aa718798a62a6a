package submission

import (
	"context"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// TestLimitsApplyBeforeTheFirstInstruction starts a script as the "service" and reads
// back what it runs under: rlimits, user, working directory, cgroup.
func TestLimitsApplyBeforeTheFirstInstruction(t *testing.T) {
	dir := tempDir(t)
	bin := filepath.Join(dir, "service")
	script := "#!/bin/sh\necho as=$(ulimit -v) cpu=$(ulimit -t) uid=$(id -u) cwd=$(pwd)\ncat /proc/self/cgroup\n"
	require.NoError(t, os.WriteFile(bin, []byte(script), 0o755))
	lim := DefaultLimits()
	p, err := Start(bin, nil, WithLogTail(4096), WithLimits(&lim))
	require.NoError(t, err)
	t.Cleanup(func() { _ = p.Stop() })
	select {
	case <-p.done:
	case <-time.After(30 * time.Second):
		t.Fatal("the script did not finish")
	}
	out := p.Logs()
	assert.Contains(t, out, "as="+strconv.FormatInt(lim.AddressSpace>>10, 10)+" ")
	assert.Contains(t, out, "cpu=90 ")
	assert.Contains(t, out, "cwd="+filepath.Join(dir, "work"))
	if os.Geteuid() == 0 {
		assert.Contains(t, out, "uid=65534 ")
	}
	if CgroupsWritable() {
		assert.Contains(t, out, "pids:/"+cgroupParent+"/")
		assert.Contains(t, out, "memory:/"+cgroupParent+"/")
		assert.Equal(t, "cgroup (memory, pids, cpu) and rlimits", p.Containment())
	}
	dirs := append([]string(nil), p.cgroup.dirsOrNil()...)
	require.NoError(t, p.Stop())
	for _, d := range dirs {
		_, err := os.Stat(d)
		assert.True(t, os.IsNotExist(err), "cgroup %s left behind", d)
	}
}

// TestForkLoopIsBoundedAndKilled runs the fork-loop hostile copy: its children leave the
// process group, the cgroup caps them at Tasks, and Stop kills every one.
func TestForkLoopIsBoundedAndKilled(t *testing.T) {
	if !CgroupsWritable() {
		t.Skip("cgroups are not writable here: only the process group kill applies")
	}
	root, err := ModuleRoot(".")
	require.NoError(t, err)
	out := tempDir(t)
	ctx, cancel := context.WithTimeout(context.Background(), 3*time.Minute)
	defer cancel()
	bin, err := Build(ctx, root, filepath.Join(root, "grader/testdata/hostile/ex1/fork-loop"), out, "")
	require.NoError(t, err)
	lim := DefaultLimits()
	lim.Tasks = 64
	p, err := Start(bin, nil, WithLogTail(4096), WithLimits(&lim))
	require.NoError(t, err)
	t.Cleanup(func() { _ = p.Stop() })

	pidsDir := p.cgroup.dirs[1]
	require.Contains(t, pidsDir, "/pids/")
	// Wait until the loop has filled the cgroup: proof that it forks, and that it stops there.
	deadline := time.Now().Add(60 * time.Second)
	peak := 0
	for peak < lim.Tasks && time.Now().Before(deadline) {
		b, _ := os.ReadFile(filepath.Join(pidsDir, "pids.peak"))
		peak, _ = strconv.Atoi(strings.TrimSpace(string(b)))
		select {
		case <-p.done:
		case <-time.After(50 * time.Millisecond):
		}
	}
	assert.Equal(t, lim.Tasks, peak, "the fork loop should reach pids.max and no further")
	escaped := 0
	for _, pid := range p.cgroup.pids() {
		if pgid, err := syscallGetpgid(pid); err == nil && pgid != p.cmd.Process.Pid {
			escaped++
		}
	}
	assert.Positive(t, escaped, "no child left the process group: the test proves nothing")

	require.NoError(t, p.Stop())
	assert.Empty(t, childrenWith("hostile-fork-child"))
}

func childrenWith(s string) []string {
	var out []string
	files, _ := filepath.Glob("/proc/[0-9]*/cmdline")
	for _, f := range files {
		if b, err := os.ReadFile(f); err == nil && strings.Contains(string(b), s) {
			out = append(out, f)
		}
	}
	return out
}

// tempDir is a folder directly in the system temp dir: the unprivileged service must be
// able to traverse every folder above its binary (t.TempDir nests it in a 0700 one).
func tempDir(t *testing.T) string {
	t.Helper()
	dir, err := os.MkdirTemp("", "limits-test-")
	require.NoError(t, err)
	t.Cleanup(func() { os.RemoveAll(dir) })
	return dir
}
