//go:build unix

package classreport

import (
	"os"
	"syscall"
)

// ownerUID is the uid that owns the file.
func ownerUID(info os.FileInfo) (int, bool) {
	st, ok := info.Sys().(*syscall.Stat_t)
	if !ok {
		return 0, false
	}
	return int(st.Uid), true
}
