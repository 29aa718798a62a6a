package main

import (
	"os"
	"path/filepath"
	"testing"

	"idempotency/grader/learner/progress"
)

// TestMain keeps every test's remembered progress (the grading runs record it) out of
// the real user's state directory.
func TestMain(m *testing.M) {
	dir, err := os.MkdirTemp("", "grade-test-state-")
	if err != nil {
		panic(err)
	}
	os.Setenv(progress.EnvDir, dir)
	code := m.Run()
	os.RemoveAll(dir)
	if binaryPath != "" { // built by gradeBinary for the tests that run the command
		os.RemoveAll(filepath.Dir(binaryPath))
	}
	os.Exit(code)
}
