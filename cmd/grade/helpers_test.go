package main

import (
	"bytes"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"testing"

	"github.com/stretchr/testify/require"
)

// stagedBy lists the copies in the module's .grade folder that pid made.
func stagedBy(t *testing.T, root string, pid int) []string {
	t.Helper()
	marks, _ := filepath.Glob(filepath.Join(root, ".grade", "*", ".owner"))
	deeper, _ := filepath.Glob(filepath.Join(root, ".grade", "*", "*", ".owner"))
	marks = append(marks, deeper...)
	var out []string
	for _, m := range marks {
		b, _ := os.ReadFile(m)
		if strings.HasPrefix(string(b), fmt.Sprintf("%d-", pid)) {
			out = append(out, filepath.Dir(m))
		}
	}
	return out
}

func copyTree(t *testing.T, src, dst string) {
	t.Helper()
	require.NoError(t, os.MkdirAll(dst, 0o755))
	entries, err := os.ReadDir(src)
	require.NoError(t, err)
	for _, e := range entries {
		if e.IsDir() {
			continue
		}
		data, err := os.ReadFile(filepath.Join(src, e.Name()))
		require.NoError(t, err)
		require.NoError(t, os.WriteFile(filepath.Join(dst, e.Name()), data, 0o644))
	}
}

type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

func (s *syncBuffer) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}

var (
	binaryOnce sync.Once
	binaryPath string
	binaryErr  error
)

// gradeBinary builds cmd/grade once per test run.
func gradeBinary(t *testing.T) string {
	t.Helper()
	binaryOnce.Do(func() {
		dir, err := os.MkdirTemp("", "grade-bin-")
		if err != nil {
			binaryErr = err
			return
		}
		binaryPath = filepath.Join(dir, "grade")
		out, err := exec.Command("go", "build", "-o", binaryPath, "idempotency/cmd/grade").CombinedOutput()
		if err != nil {
			binaryErr = fmt.Errorf("go build: %v\n%s", err, out)
		}
	})
	require.NoError(t, binaryErr)
	return binaryPath
}
