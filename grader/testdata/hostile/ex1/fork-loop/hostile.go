// Hostile: at start, forks copies of itself in a loop, each leaving the process group
// (setsid) and forking again. The cgroup's pids.max bounds it and Stop kills every one.
package main

import (
	"os"
	"os/exec"
	"syscall"
)

const childArg = "hostile-fork-child"

func atStart() {
	child := len(os.Args) > 1 && os.Args[1] == childArg
	if child {
		_, _ = syscall.Setsid()
	}
	go func() {
		for {
			cmd := exec.Command("/proc/self/exe", childArg)
			cmd.SysProcAttr = &syscall.SysProcAttr{Setsid: true}
			_ = cmd.Start()
		}
	}()
	if child {
		select {}
	}
}

func misbehave() {}
