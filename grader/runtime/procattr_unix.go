//go:build unix

package runtime

import (
	"os"
	"syscall"
)

// killGroup kills the process group the server leads.
func killGroup(pid int) { _ = syscall.Kill(-pid, syscall.SIGKILL) }

// tryLock takes an exclusive lock on f without waiting; false when another holds it.
func tryLock(f *os.File) (bool, error) {
	err := syscall.Flock(int(f.Fd()), syscall.LOCK_EX|syscall.LOCK_NB)
	if err == syscall.EWOULDBLOCK {
		return false, nil
	}
	return err == nil, err
}
