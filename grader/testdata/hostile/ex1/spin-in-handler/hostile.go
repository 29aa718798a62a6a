// Hostile: CancelOrder spins forever (a CPU-bound infinite loop). The CPU quota keeps it
// to one core, RLIMIT_CPU kills it; only its cancel criteria are lost.
package main

func atStart() {}

var sink int

func misbehave() {
	for i := 0; ; i++ {
		sink = i
	}
}
