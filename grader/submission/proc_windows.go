package submission

import (
	"errors"
	"os"
	"os/exec"
	"syscall"
)

// Windows has no process groups or signals as Unix has them; the grader itself runs
// there only far enough to say that it wants WSL2 (see doctor), so these only have to
// build and do the obvious thing.

func groupAttr() *syscall.SysProcAttr {
	return &syscall.SysProcAttr{CreationFlags: syscall.CREATE_NEW_PROCESS_GROUP}
}

func killGroup(pid int, _ syscall.Signal) error {
	p, err := os.FindProcess(pid)
	if err != nil {
		return nil // gone already
	}
	if err := p.Kill(); err != nil && !errors.Is(err, os.ErrProcessDone) {
		return err
	}
	return nil
}

func killPID(pid int) { _ = killGroup(pid, syscall.SIGKILL) }

func setCredential(*exec.Cmd, uint32, uint32) {}

func processExists(pid int) bool {
	p, err := os.FindProcess(pid)
	if err != nil {
		return false
	}
	p.Release()
	return true
}
