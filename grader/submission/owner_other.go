//go:build !linux

package submission

func startTime(int) uint64 { return 0 }

func alive(o Owner) bool { return processExists(o.PID) }
