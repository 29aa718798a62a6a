package submission

import (
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"sync/atomic"
	"time"
)

// Limits bound what an untrusted service may use. A zero field means no limit of that kind.
type Limits struct {
	// Memory is the resident memory of the service and everything it forks (cgroup).
	Memory int64
	// AddressSpace is each process's virtual memory (RLIMIT_AS): a huge allocation fails
	// at once instead of being paged in. Go reserves little up front; keep it >= 1 GiB.
	AddressSpace int64
	// CPUTime is each process's CPU time (RLIMIT_CPU): a handler that spins forever is
	// killed once it has used this much.
	CPUTime time.Duration
	// CPUQuota is how many cores the whole group may use at once (cgroup cpu quota).
	CPUQuota float64
	// Tasks bounds the processes and threads of the whole group (cgroup pids.max); root
	// ignores RLIMIT_NPROC, so a fork loop is only stopped here.
	Tasks int
	// Dir is the service's working directory; empty means a fresh "work" folder next to
	// the binary, so relative writes land in the run's temp dir.
	Dir string
	// Unprivileged runs the service as nobody (65534) when the grader runs as root, so it
	// cannot write into the grader's files. Every folder above the binary's must then be
	// traversable by others (Grade's temp dir, directly in the system temp dir, is).
	Unprivileged bool
}

// DefaultLimits are generous for a Restate service and tight for a fork loop or a 10 GiB
// allocation.
func DefaultLimits() Limits {
	return Limits{
		Memory:       512 << 20,
		AddressSpace: 4 << 30,
		CPUTime:      90 * time.Second,
		CPUQuota:     1,
		Tasks:        128,
		Unprivileged: true,
	}
}

// CgroupRoot is where the per-service cgroups (v1) are made, one folder per controller.
var CgroupRoot = "/sys/fs/cgroup"

const cgroupParent = "idem-grader"

var cgroupSeq atomic.Int64

// CgroupsWritable says whether limits can use cgroups here; without them, only the
// per-process rlimits apply and a fork loop is bounded by the process group kill only.
func CgroupsWritable() bool {
	for _, ctl := range []string{"memory", "pids", "cpu"} {
		dir := filepath.Join(CgroupRoot, ctl, cgroupParent)
		if err := os.MkdirAll(dir, 0o755); err != nil {
			return false
		}
	}
	return true
}

// Containment describes how the running service is confined, for logs and reports.
func (p *Process) Containment() string {
	if p.limits == nil {
		return "none"
	}
	if p.cgroup == nil {
		return "rlimits only (cgroups not writable)"
	}
	return "cgroup (memory, pids, cpu) and rlimits"
}

// command builds the service's command. With limits, the binary is started through a
// shell that waits on a pipe until confine has put it in its cgroup and set its rlimits,
// so not one instruction of learner code runs unconfined.
func (p *Process) command(env []string) (*exec.Cmd, *os.File, error) {
	if p.limits == nil {
		cmd := exec.Command(p.Binary)
		cmd.Env = env
		cmd.SysProcAttr = groupAttr()
		return cmd, nil, nil
	}
	r, w, err := os.Pipe()
	if err != nil {
		return nil, nil, fmt.Errorf("gate pipe: %w", err)
	}
	cmd := exec.Command("/bin/sh", "-c", p.limits.script(), p.Binary)
	cmd.Env = env
	cmd.ExtraFiles = []*os.File{r}
	cmd.SysProcAttr = groupAttr()
	dir, err := p.workDir()
	if err != nil {
		r.Close()
		w.Close()
		return nil, nil, err
	}
	cmd.Dir = dir
	// Its temp files go with its work dir (the grader's own temp dir is not writable by nobody).
	cmd.Env = append(cmd.Env, "TMPDIR="+dir)
	if uid, gid, ok := p.dropTo(); ok {
		setCredential(cmd, uid, gid)
		if e, ok := shareWASMCache(dir); ok {
			cmd.Env = append(cmd.Env, e)
		}
	}
	return cmd, w, nil
}

// dropTo says which user the service runs as, when it should not run as the grader's.
func (p *Process) dropTo() (uid, gid uint32, ok bool) {
	if !p.limits.Unprivileged || os.Geteuid() != 0 {
		return 0, 0, false
	}
	return 65534, 65534, true
}

// workDir makes the service's working directory, and lets the unprivileged user reach
// the binary and write there (nowhere else).
func (p *Process) workDir() (string, error) {
	dir := p.limits.Dir
	if dir == "" {
		dir = filepath.Join(filepath.Dir(p.Binary), "work")
	}
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return "", fmt.Errorf("service work dir: %w", err)
	}
	if uid, gid, ok := p.dropTo(); ok {
		if err := os.Chmod(filepath.Dir(p.Binary), 0o711); err != nil {
			return "", err
		}
		if err := os.Chmod(p.Binary, 0o755); err != nil {
			return "", err
		}
		if err := os.Chown(dir, int(uid), int(gid)); err != nil {
			return "", err
		}
	}
	return dir, nil
}

// confine applies the limits to the started (and still gated) process, then releases it.
func (p *Process) confine(cmd *exec.Cmd, gate *os.File) error {
	if gate == nil {
		return nil
	}
	defer gate.Close()
	cmd.ExtraFiles[0].Close() // the child holds its own copy
	pid := cmd.Process.Pid
	l := p.limits
	if p.cgroup == nil {
		p.cgroup = newCgroup(l)
	}
	if p.cgroup != nil {
		if err := p.cgroup.add(pid); err != nil {
			return err
		}
	}
	if _, err := gate.WriteString("go\n"); err != nil {
		return fmt.Errorf("release the service: %w", err)
	}
	return nil
}

// script is the gate: the shell sets the rlimits on itself (they pass through exec; a
// root grader cannot prlimit a process that already runs as nobody without
// CAP_SYS_RESOURCE), waits for the grader's go, then becomes the service. read fails on
// EOF: if the grader dies before releasing the gate, nothing of the submission runs.
func (l *Limits) script() string {
	var b strings.Builder
	if l.AddressSpace > 0 {
		fmt.Fprintf(&b, "ulimit -v %d && ", l.AddressSpace>>10)
	}
	if l.CPUTime > 0 {
		// Go ignores SIGXCPU; dash sets soft and hard alike, and at the hard limit the
		// kernel sends SIGKILL.
		fmt.Fprintf(&b, "ulimit -t %d && ", max(int(l.CPUTime.Seconds()), 1))
	}
	b.WriteString(`ulimit -c 0 && read -r go <&3 && exec "$0" 3<&-`)
	return b.String()
}

// cgroup is one service's group in each v1 controller.
type cgroup struct {
	dirs []string
}

// newCgroup makes a fresh group with the limits, or returns nil when cgroups are not
// writable (the rlimits still apply).
func newCgroup(l *Limits) *cgroup {
	if !CgroupsWritable() {
		return nil
	}
	// Named by the owning grader, so that the sweep can remove a group its grader left.
	name := fmt.Sprintf("%s-%d", Self(), cgroupSeq.Add(1))
	files := map[string]map[string]string{
		"memory": {},
		"pids":   {},
		"cpu":    {},
	}
	if l.Memory > 0 {
		files["memory"]["memory.limit_in_bytes"] = strconv.FormatInt(l.Memory, 10)
	}
	if l.Tasks > 0 {
		files["pids"]["pids.max"] = strconv.Itoa(l.Tasks)
	}
	if l.CPUQuota > 0 {
		files["cpu"]["cpu.cfs_period_us"] = "100000"
		files["cpu"]["cpu.cfs_quota_us"] = strconv.Itoa(int(l.CPUQuota * 100000))
	}
	cg := &cgroup{}
	for _, ctl := range []string{"memory", "pids", "cpu"} {
		dir := filepath.Join(CgroupRoot, ctl, cgroupParent, name)
		if err := os.Mkdir(dir, 0o755); err != nil {
			cg.remove()
			return nil
		}
		cg.dirs = append(cg.dirs, dir)
		for f, v := range files[ctl] {
			if err := os.WriteFile(filepath.Join(dir, f), []byte(v), 0o644); err != nil {
				cg.remove()
				return nil
			}
		}
	}
	return cg
}

func (c *cgroup) add(pid int) error {
	for _, dir := range c.dirs {
		if err := os.WriteFile(filepath.Join(dir, "cgroup.procs"), []byte(strconv.Itoa(pid)), 0o644); err != nil {
			return fmt.Errorf("move service into %s: %w", dir, err)
		}
	}
	return nil
}

// pids lists every process in the group, including any that left the process group.
func (c *cgroup) pids() []int {
	if len(c.dirs) == 0 {
		return nil
	}
	// Every controller holds the same processes; pids is the one that counts tasks.
	b, err := os.ReadFile(filepath.Join(c.dirs[len(c.dirs)-1], "cgroup.procs"))
	if err != nil {
		b, _ = os.ReadFile(filepath.Join(c.dirs[0], "cgroup.procs"))
	}
	var out []int
	for _, f := range strings.Fields(string(b)) {
		if pid, err := strconv.Atoi(f); err == nil {
			out = append(out, pid)
		}
	}
	return out
}

// killAll kills every process in the group until it is empty (a fork loop may add
// processes while the first ones die), bounded by a deadline.
func (c *cgroup) killAll() {
	if c == nil {
		return
	}
	deadline := time.Now().Add(5 * time.Second)
	for time.Now().Before(deadline) {
		pids := c.pids()
		if len(pids) == 0 {
			return
		}
		for _, pid := range pids {
			killPID(pid)
		}
		// Dead processes leave cgroup.procs once reaped; poll until they have.
		time.Sleep(10 * time.Millisecond)
	}
}

// remove kills what is left and deletes the group.
func (c *cgroup) remove() {
	if c == nil {
		return
	}
	c.killAll()
	for _, dir := range c.dirs {
		_ = os.Remove(dir)
	}
}

func (c *cgroup) dirsOrNil() []string {
	if c == nil {
		return nil
	}
	return c.dirs
}
