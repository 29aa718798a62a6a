package submission

import "syscall"

// withParentDeath has the kernel SIGKILL the child when the grader dies, however it
// dies (SIGKILL included), as restate-server's own start does. The setting survives
// the gate shell's exec into the service, and Go applies it after dropping privileges,
// which would otherwise clear it. (It follows the forking OS thread; the grader locks
// no threads, so that is the process.)
func withParentDeath(a *syscall.SysProcAttr) *syscall.SysProcAttr {
	a.Pdeathsig = syscall.SIGKILL
	return a
}
