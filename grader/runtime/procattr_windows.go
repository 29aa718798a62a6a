package runtime

import (
	"os"
	"syscall"
)

// npm ships no restate-server for Windows, so the native runtime never starts one
// there (binaryRelPath says so, and doctor sends Windows users to WSL2); these only
// have to build.

func procAttr() *syscall.SysProcAttr {
	return &syscall.SysProcAttr{CreationFlags: syscall.CREATE_NEW_PROCESS_GROUP}
}

func killGroup(pid int) {
	if p, err := os.FindProcess(pid); err == nil {
		_ = p.Kill()
	}
}

func tryLock(*os.File) (bool, error) { return true, nil }
