//go:build unix && !linux

package submission

import "syscall"

// withParentDeath does nothing where there is no parent-death signal: the sweep at the
// next start finds the orphan by its owner variable.
func withParentDeath(a *syscall.SysProcAttr) *syscall.SysProcAttr { return a }
