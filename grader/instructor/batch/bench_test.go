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

// classCopies are the broken copies of the synthetic class, ten per exercise, named so that
// the class stays the same as copies are added (they were the first ten by name on
// 2026-12-03, when the class took 577 s; README, Speed).
var classCopies = map[string][]string{
	"ex1": {"cancel-renamed", "cancel-unknown-creates", "constant-number", "create-revives-cancelled", "does-not-compile", "duplicate-overwrites-items", "empty-answers", "get-unknown-plain-error", "go-map-orders", "math-rand-number"},
	"ex2": {"dedupe-by-content", "dedupe-by-request", "dedupe-flag-in-memory", "dedupe-last-email-only", "does-not-compile", "failed-resent-on-changed-request", "failure-returned-as-error", "no-existence-check", "no-template-handler", "permanent-error-retried"},
	"ex3": {"createdat-outside-run", "dedupe-active-only", "dedupe-latest-only", "delete-on-release", "duplicate-updates-quantity", "exact-fit-refused", "expiry-after-release", "go-map-state", "no-dedupe", "no-expiry-bonus"},
	"ex4": {"cancel-date-unchecked-fast-test", "cancel-unknown-creates", "change-key-from-plan", "charge-outside-run", "create-revives-cancelled", "createdat-time-now", "cycle-change-keeps-period", "declined-card-retried", "email-outside-run", "enddate-wall-clock"},
	"ex5": {"all-errors-terminal", "bad-signature-marks-processed", "clock-outside-run", "dedupe-by-body-hash", "dedupe-in-go-map", "dedupe-last-id-only", "dev-secret-hardcoded", "duplicate-counts-replay", "duplicate-reads-gateway", "duplicate-returns-error"},
	"ex6": {"cancel-label-outside-run", "charge-key-changes-on-retry", "charges-items-total", "compensation-runs-twice", "compensations-forward-order", "compensations-one-way", "confirmation-one-way", "confirmation-sent-directly", "dedupe-last-order-only", "failed-result-not-stored"},
}

// syntheticClass writes n submissions of every exercise into dir: a third reference
// copies, a third stubs, a third broken copies (classCopies, in turn).
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
				names := classCopies[ex.ID]
				if len(names) == 0 {
					tb.Fatalf("classCopies names no broken copy of %s", ex.ID)
				}
				name := names[(i/3)%len(names)]
				a, err := overlay.Load(filepath.Join(root, selftest.BrokenDir, ex.ID, name+overlay.Ext))
				if err != nil {
					tb.Fatalf("broken copy %s of the synthetic class (classCopies): %v", name, err)
				}
				if err := a.Materialize(filepath.Join(root, ex.Solution), out); err != nil {
					tb.Fatal(err)
				}
				continue
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
