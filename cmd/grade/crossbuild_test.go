package main

import (
	"os"
	"os/exec"
	"testing"

	"github.com/stretchr/testify/assert"
)

// The grader builds for macOS and Windows too: on macOS it grades with the native binary,
// on Windows it runs far enough to send the learner to WSL2 (README, Platforms).
func TestCrossBuild(t *testing.T) {
	if testing.Short() {
		t.Skip("skipped in -short: compiles every dependency for two more platforms")
	}
	for _, target := range [][2]string{{"darwin", "arm64"}, {"windows", "amd64"}} {
		t.Run(target[0], func(t *testing.T) {
			cmd := exec.Command("go", "build", "-o", os.DevNull, "idempotency/cmd/grade")
			cmd.Env = append(os.Environ(), "GOOS="+target[0], "GOARCH="+target[1], "CGO_ENABLED=0")
			out, err := cmd.CombinedOutput()
			assert.NoError(t, err, "GOOS=%s GOARCH=%s go build ./cmd/grade:\n%s", target[0], target[1], out)
		})
	}
}
