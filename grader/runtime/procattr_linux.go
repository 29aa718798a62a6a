package runtime

import "syscall"

// procAttr puts the server in its own process group and has the kernel kill it if the
// grader dies without stopping it, so no server outlives a crashed grader. (Pdeathsig
// follows the forking OS thread; the grader locks no threads, so that is the process.)
func procAttr() *syscall.SysProcAttr {
	return &syscall.SysProcAttr{Setpgid: true, Pdeathsig: syscall.SIGKILL}
}
