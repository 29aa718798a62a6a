// Hostile: CancelOrder allocates and touches 10 GiB, 64 MiB at a time. The memory limit
// (cgroup, and RLIMIT_AS) ends the process; the grader and other submissions go on.
package main

var hoard [][]byte

func atStart() {}

func misbehave() {
	for range 160 {
		b := make([]byte, 64<<20)
		for i := 0; i < len(b); i += 4096 {
			b[i] = 1
		}
		hoard = append(hoard, b)
	}
}
