//go:build linux || darwin

package main

import (
	"syscall"
	"unsafe"
)

// ttyColumns asks the terminal on fd how wide it is (0 when it does not say).
func ttyColumns(fd uintptr) int {
	var ws struct{ Row, Col, X, Y uint16 }
	_, _, errno := syscall.Syscall(syscall.SYS_IOCTL, fd, uintptr(syscall.TIOCGWINSZ), uintptr(unsafe.Pointer(&ws)))
	if errno != 0 {
		return 0
	}
	return int(ws.Col)
}
