package gradetest

import (
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"
)

// Children lists the live child processes of this test binary (pid, command line and
// state): after a grading run, a watch or a play session has ended, it must be empty.
func Children(t testing.TB) []string {
	t.Helper()
	self := strconv.Itoa(os.Getpid())
	dirs, err := os.ReadDir("/proc")
	require.NoError(t, err)
	var out []string
	for _, d := range dirs {
		if _, err := strconv.Atoi(d.Name()); err != nil {
			continue
		}
		stat, err := os.ReadFile(filepath.Join("/proc", d.Name(), "stat"))
		if err != nil {
			continue
		}
		// The fields after the command (which may contain spaces) start after the last ')'.
		rest := strings.Fields(string(stat[strings.LastIndexByte(string(stat), ')')+1:]))
		if len(rest) > 1 && rest[1] == self {
			cmd, _ := os.ReadFile(filepath.Join("/proc", d.Name(), "cmdline"))
			out = append(out, d.Name()+" "+strings.ReplaceAll(string(cmd), "\x00", " ")+" state "+rest[0])
		}
	}
	return out
}
