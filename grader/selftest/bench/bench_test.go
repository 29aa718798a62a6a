package bench

import (
	"bytes"
	"encoding/json"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
)

type timings struct {
	DurationMS int64 `json:"duration_ms"`
	Score      int   `json:"score"`
	MaxScore   int   `json:"max_score"`
	Timings    struct {
		Build     int64 `json:"build"`
		Server    int64 `json:"server_ready"`
		Service   int64 `json:"service_ready"`
		Scenarios int64 `json:"scenarios"`
	} `json:"timings_ms"`
}

// BenchmarkGoRunGradeSolution is what a learner waits for: `go run ./cmd/grade exN
// --solution` with warm caches, split into build, server ready, service ready and
// scenarios (as the report measures them).
//
// The submission's build cache is off (IDEM_BUILD_CACHE=off), as after an edit: Go's
// own caches are warm, the link is paid. The "-unchanged" run grades ex1 with the cache
// on, as when a learner grades the same code again.
func BenchmarkGoRunGradeSolution(b *testing.B) {
	for _, ex := range []string{"ex1", "ex2", "ex3", "ex4", "ex5", "ex6", "ex1-unchanged"} {
		b.Run(ex, func(b *testing.B) {
			root := moduleRoot(b)
			id, cache := strings.CutSuffix(ex, "-unchanged")
			env := os.Environ()
			if !cache {
				env = append(env, "IDEM_BUILD_CACHE=off")
			}
			args := []string{"run", "./cmd/grade", id, "--solution", "--format", "json", "--runtime", "native", "--seed", "1"}
			warm := exec.Command("go", args...)
			warm.Dir, warm.Env = root, env
			_ = warm.Run() // fills the build caches and the restate-server cache
			var sum timings
			var wall time.Duration
			b.ResetTimer()
			for range b.N {
				cmd := exec.Command("go", args...)
				cmd.Dir, cmd.Env = root, env
				var out bytes.Buffer
				cmd.Stdout = &out
				start := time.Now()
				require.NoError(b, cmd.Run(), "grading the solution must pass")
				wall += time.Since(start)
				var t timings
				require.NoError(b, json.Unmarshal(out.Bytes(), &t))
				require.Equal(b, t.MaxScore, t.Score)
				sum.Timings.Build += t.Timings.Build
				sum.Timings.Server += t.Timings.Server
				sum.Timings.Service += t.Timings.Service
				sum.Timings.Scenarios += t.Timings.Scenarios
				sum.DurationMS += t.DurationMS
			}
			n := float64(b.N)
			b.ReportMetric(float64(wall.Milliseconds())/n, "wall-ms/op")
			b.ReportMetric(float64(sum.DurationMS)/n, "grade-ms/op")
			b.ReportMetric(float64(sum.Timings.Build)/n, "build-ms/op")
			b.ReportMetric(float64(sum.Timings.Server)/n, "server-ms/op")
			b.ReportMetric(float64(sum.Timings.Service)/n, "service-ms/op")
			b.ReportMetric(float64(sum.Timings.Scenarios)/n, "scenarios-ms/op")
		})
	}
}

func moduleRoot(b *testing.B) string {
	_, file, _, _ := runtime.Caller(0)
	return filepath.Clean(filepath.Join(filepath.Dir(file), "..", "..", ".."))
}

// BenchmarkGoRunGradeAll is `go run ./cmd/grade all --solution`: every exercise, three at
// once (each with its own build, server and service), with the build cache off as after
// an edit.
func BenchmarkGoRunGradeAll(b *testing.B) {
	root := moduleRoot(b)
	env := append(os.Environ(), "IDEM_BUILD_CACHE=off")
	args := []string{"run", "./cmd/grade", "all", "--solution", "--runtime", "native", "--seed", "1"}
	warm := exec.Command("go", args...)
	warm.Dir, warm.Env = root, env
	_ = warm.Run()
	var wall time.Duration
	b.ResetTimer()
	for range b.N {
		cmd := exec.Command("go", args...)
		cmd.Dir, cmd.Env = root, env
		start := time.Now()
		out, err := cmd.CombinedOutput()
		require.NoError(b, err, "every solution must pass:\n%s", out)
		wall += time.Since(start)
	}
	b.ReportMetric(float64(wall.Milliseconds())/float64(b.N), "wall-ms/op")
}
