//go:build !linux && !darwin

package main

// ttyColumns does not know the width here; COLUMNS still counts.
func ttyColumns(uintptr) int { return 0 }
