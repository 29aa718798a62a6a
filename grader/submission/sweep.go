package submission

import (
	"fmt"
	"os"
	"path/filepath"
	"strings"
)

// TempDirPrefix starts the name of a grader process's own temp dir ("idem-grader-PID-START-…"),
// under which everything it makes in the temp dir goes (see OwnTempDir).
const TempDirPrefix = "idem-grader-"

// ownerFile marks a folder with the grader that made it (see MarkOwned).
const ownerFile = ".owner"

// Leftovers counts what a sweep removed.
type Leftovers struct {
	Processes int // services, servers or builds whose grader is gone (killed)
	TempDirs  int // their temp dirs: builds, server data, work dirs
	Cgroups   int // their cgroups (batch limits)
	Copies    int // staged copies of submissions inside the module
	Owners    []Owner
}

// Empty says whether nothing was found.
func (l Leftovers) Empty() bool { return l.Processes+l.TempDirs+l.Cgroups+l.Copies == 0 }

// Add counts other's findings too.
func (l *Leftovers) Add(other Leftovers) {
	l.Processes += other.Processes
	l.TempDirs += other.TempDirs
	l.Cgroups += other.Cgroups
	l.Copies += other.Copies
	l.Owners = append(l.Owners, other.Owners...)
}

func (l *Leftovers) owner(o Owner) {
	for _, x := range l.Owners {
		if x == o {
			return
		}
	}
	l.Owners = append(l.Owners, o)
}

// String lists the counts that are not zero: "1 process, 2 temp dirs".
func (l Leftovers) String() string {
	var parts []string
	add := func(n int, one, many string) {
		switch {
		case n == 1:
			parts = append(parts, "1 "+one)
		case n > 1:
			parts = append(parts, fmt.Sprintf("%d %s", n, many))
		}
	}
	add(l.Processes, "process", "processes")
	add(l.TempDirs, "temp dir", "temp dirs")
	add(l.Cgroups, "cgroup", "cgroups")
	add(l.Copies, "staged copy", "staged copies")
	return strings.Join(parts, ", ")
}

// OwnTempDir makes this grader's own temp dir inside tmp (the system temp dir when
// empty), named after Self so that a later grader can tell whether its owner is gone.
// It is traversable by others, so that a service dropped to nobody reaches its binary.
func OwnTempDir(tmp string) (string, error) {
	if tmp == "" {
		tmp = os.TempDir()
	}
	dir, err := os.MkdirTemp(tmp, TempDirPrefix+Self().String()+"-")
	if err != nil {
		return "", fmt.Errorf("temp dir: %w", err)
	}
	if err := os.Chmod(dir, 0o711); err != nil {
		os.RemoveAll(dir)
		return "", fmt.Errorf("temp dir: %w", err)
	}
	return dir, nil
}

// MarkOwned records in dir that this grader made it, for Sweep (a staged copy of a
// submission inside the module, say).
func MarkOwned(dir string) error {
	return os.WriteFile(filepath.Join(dir, ownerFile), []byte(Self().String()+"\n"), 0o644)
}

// Sweep removes what graders that are gone (killed, so they could not clean up) left
// behind: processes carrying their owner variable, their temp dirs in tmp (the system
// temp dir when empty), their cgroups, and folders they marked one or two levels under
// root/.grade (root empty: none). What belongs to a grader that still runs is never touched, whoever runs it.
func Sweep(tmp, root string) Leftovers {
	if tmp == "" {
		tmp = os.TempDir()
	}
	var l Leftovers
	// Processes first: they may still be writing into the folders.
	l.Processes = sweepProcesses(&l)
	l.Cgroups = sweepCgroups(&l)
	entries, _ := os.ReadDir(tmp)
	for _, e := range entries {
		name, ok := strings.CutPrefix(e.Name(), TempDirPrefix)
		if !ok || !e.IsDir() {
			continue
		}
		o, ok := ownerOfName(name, true)
		if !ok || o.Alive() {
			continue
		}
		if os.RemoveAll(filepath.Join(tmp, e.Name())) == nil {
			l.TempDirs++
			l.owner(o)
		}
	}
	if root != "" {
		// Marked folders sit one or two levels down (.grade/batch/stage-*).
		marks, _ := filepath.Glob(filepath.Join(root, ".grade", "*", ownerFile))
		deeper, _ := filepath.Glob(filepath.Join(root, ".grade", "*", "*", ownerFile))
		marks = append(marks, deeper...)
		for _, m := range marks {
			b, err := os.ReadFile(m)
			if err != nil {
				continue
			}
			o, ok := ParseOwner(strings.TrimSpace(string(b)))
			if !ok || o.Alive() {
				continue
			}
			if os.RemoveAll(filepath.Dir(m)) == nil {
				l.Copies++
				l.owner(o)
			}
		}
	}
	return l
}

// ownerOfName reads the owner at the start of a name "PID-START-SUFFIX" (suffixed) or
// "PID-START". A name from before owners had start times ("PID-SUFFIX") gives the pid
// alone, which is only judged gone when no process has it.
func ownerOfName(name string, suffixed bool) (Owner, bool) {
	parts := strings.Split(name, "-")
	want := 2
	if suffixed {
		want = 3
	}
	if len(parts) == want {
		return ParseOwner(parts[0] + "-" + parts[1])
	}
	if suffixed && len(parts) == 2 {
		o, ok := ParseOwner(parts[0] + "-0")
		return o, ok
	}
	return Owner{}, false
}

// sweepCgroups removes the batch cgroups whose grader is gone, killing what is left
// in them first.
func sweepCgroups(l *Leftovers) int {
	groups := map[string]bool{}
	for _, ctl := range []string{"memory", "pids", "cpu"} {
		entries, _ := os.ReadDir(filepath.Join(CgroupRoot, ctl, cgroupParent))
		for _, e := range entries {
			if e.IsDir() {
				groups[e.Name()] = true
			}
		}
	}
	n := 0
	for name := range groups {
		o, ok := ownerOfName(name, true)
		if !ok || o.Alive() {
			continue
		}
		cg := &cgroup{}
		for _, ctl := range []string{"memory", "pids", "cpu"} {
			dir := filepath.Join(CgroupRoot, ctl, cgroupParent, name)
			if _, err := os.Stat(dir); err == nil {
				cg.dirs = append(cg.dirs, dir)
			}
		}
		cg.remove()
		n++
		l.owner(o)
	}
	return n
}
