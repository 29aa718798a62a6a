package batch

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"runtime"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"idempotency/grader/catalog"
	"idempotency/grader/overlay"
	"idempotency/grader/selftest"
	"idempotency/grader/submission"
)

// syntheticClass writes n submissions of every exercise into dir: a third reference
// copies, a third stubs, a third broken copies (each exercise's copies in turn).
func syntheticClass(tb testing.TB, root, dir string, n int) {
	tb.Helper()
	for i := range n {
		learner := filepath.Join(dir, fmt.Sprintf("learner-%02d", i))
		for _, ex := range catalog.All() {
			src := ex.Stub
			out := filepath.Join(learner, "exercises", ex.ID)
			switch i % 3 {
			case 0:
				src = ex.Solution
			case 2:
				// Any copy will do, declared or not: other engineers may still be adding them.
				broken, _ := filepath.Glob(filepath.Join(root, selftest.BrokenDir, ex.ID, "*"+overlay.Ext))
				if len(broken) > 0 {
					a, err := overlay.Load(broken[(i/3)%len(broken)])
					if err != nil {
						tb.Fatal(err)
					}
					if err := a.Materialize(filepath.Join(root, ex.Solution), out); err != nil {
						tb.Fatal(err)
					}
					continue
				}
			}
			copyTree(tb, filepath.Join(root, src), out)
		}
	}
}

// BenchmarkClass grades a synthetic class of 30 submissions of all six exercises with
// the default workers and limits, and reports submissions per minute and the peak
// resident memory of the grader and every process under it.
func BenchmarkClass(b *testing.B) {
	root, err := submission.ModuleRoot(".")
	if err != nil {
		b.Fatal(err)
	}
	dir := b.TempDir()
	syntheticClass(b, root, dir, 30)
	subs, err := Discover(dir)
	if err != nil {
		b.Fatal(err)
	}
	lim := submission.DefaultLimits()
	// BENCH_WORKERS tries another worker count (default: DefaultWorkers).
	workers, _ := strconv.Atoi(os.Getenv("BENCH_WORKERS"))
	b.ResetTimer()
	for range b.N {
		peak := watchRSS()
		start := time.Now()
		class, err := Run(context.Background(), subs, Options{
			Root: root, Exercises: catalog.All(), Seed: 1, Limits: &lim, Workers: workers, Progress: os.Stderr,
		})
		elapsed := time.Since(start)
		maxRSS := peak()
		if err != nil {
			b.Fatal(err)
		}
		errors := 0
		for _, l := range class.Learners {
			for _, r := range l.Results {
				if r.Status() == "error" && !strings.Contains(r.Report.Error, "compile") {
					errors++
				}
			}
		}
		b.ReportMetric(float64(len(subs))/elapsed.Minutes(), "submissions/min")
		b.ReportMetric(elapsed.Seconds(), "s/class")
		b.ReportMetric(float64(maxRSS)/(1<<20), "peak-MiB")
		b.ReportMetric(float64(errors), "unjudged-exercises")
		b.ReportMetric(float64(runtime.NumCPU()), "cores")
	}
}

// watchRSS samples, every 250 ms, the resident memory of this process and all its
// descendants, and returns a function that stops and returns the peak in bytes.
func watchRSS() func() int64 {
	stop := make(chan struct{})
	var peak int64
	var wg sync.WaitGroup
	wg.Go(func() {
		tick := time.NewTicker(250 * time.Millisecond)
		defer tick.Stop()
		for {
			peak = max(peak, treeRSS(os.Getpid()))
			select {
			case <-stop:
				return
			case <-tick.C:
			}
		}
	})
	return func() int64 { close(stop); wg.Wait(); return peak }
}

// treeRSS adds up VmRSS of pid and its descendants, read from /proc.
func treeRSS(pid int) int64 {
	children := map[int][]int{}
	rss := map[int]int64{}
	stats, _ := filepath.Glob("/proc/[0-9]*/status")
	for _, s := range stats {
		b, err := os.ReadFile(s)
		if err != nil {
			continue
		}
		p, _ := strconv.Atoi(filepath.Base(filepath.Dir(s)))
		for _, line := range strings.Split(string(b), "\n") {
			f := strings.Fields(line)
			if len(f) < 2 {
				continue
			}
			switch f[0] {
			case "PPid:":
				pp, _ := strconv.Atoi(f[1])
				children[pp] = append(children[pp], p)
			case "VmRSS:":
				kb, _ := strconv.ParseInt(f[1], 10, 64)
				rss[p] = kb << 10
			}
		}
	}
	var total int64
	stack := []int{pid}
	for len(stack) > 0 {
		p := stack[len(stack)-1]
		stack = stack[:len(stack)-1]
		total += rss[p]
		stack = append(stack, children[p]...)
	}
	return total
}
