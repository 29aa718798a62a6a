//go:build unix && !linux

package runtime

import "syscall"

// procAttr puts the server in its own process group, so one signal reaches all of it.
func procAttr() *syscall.SysProcAttr {
	return &syscall.SysProcAttr{Setpgid: true}
}
