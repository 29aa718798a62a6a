//go:build !linux

package submission

// sweepProcesses finds nothing where processes cannot be listed with their environment
// cheaply; the grader's own clean-up and the temp dir sweep remain.
func sweepProcesses(*Leftovers) int { return 0 }
