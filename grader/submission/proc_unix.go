//go:build unix

package submission

import (
	"errors"
	"os/exec"
	"syscall"
)

// groupAttr starts a child in its own process group, so that one signal reaches
// everything it forks, and (on Linux) has the kernel kill it when the grader dies.
func groupAttr() *syscall.SysProcAttr {
	return withParentDeath(&syscall.SysProcAttr{Setpgid: true})
}

// killGroup sends sig to the process group led by pid.
func killGroup(pid int, sig syscall.Signal) error { return syscall.Kill(-pid, sig) }

// killPID kills one process.
func killPID(pid int) { _ = syscall.Kill(pid, syscall.SIGKILL) }

// setCredential runs the child as uid:gid.
func setCredential(cmd *exec.Cmd, uid, gid uint32) {
	cmd.SysProcAttr.Credential = &syscall.Credential{Uid: uid, Gid: gid, NoSetGroups: true}
}

// processExists says whether pid names a process (of anyone).
func processExists(pid int) bool {
	err := syscall.Kill(pid, 0)
	return err == nil || errors.Is(err, syscall.EPERM)
}
