// Command selftest grades every reference solution, every stub and every broken copy,
// and prints the kill matrix and the rule coverage (`make selftest`). It grades as a
// batch of a class does: the batch's default workers and limits. It exits 1 when any
// cell differs from what the case declares (with any of the seeds), a criterion fails
// on its reference solution, a criterion is killed by too few copies, or a README rule
// is killed by none.
package main

import (
	"context"
	"flag"
	"fmt"
	"io"
	"os"
	"os/signal"
	"strconv"
	"strings"
	"syscall"
	"time"

	"idempotency/grader"
	"idempotency/grader/catalog"
	"idempotency/grader/instructor/batch"
	"idempotency/grader/runtime"
	"idempotency/grader/selftest"
	"idempotency/grader/submission"
)

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	err := run(ctx, os.Args[1:], os.Stdout, os.Stderr)
	stop()
	if err != nil {
		fmt.Fprintln(os.Stderr, "selftest:", err)
		os.Exit(1)
	}
}

func run(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	fs := flag.NewFlagSet("selftest", flag.ContinueOnError)
	fs.SetOutput(stderr)
	seedList := fs.String("seeds", "1", "comma-separated seeds: every case is graded with each; the matrix shows the first")
	workers := fs.Int("workers", batch.DefaultWorkers(), "gradings at once (default: the batch's, two per core)")
	noLimits := fs.Bool("no-limits", false, "grade without the batch's limits")
	kindFlag := fs.String("runtime", "native", "restate-server runtime: native, container or auto")
	minKills := fs.Int("min-kills", 1, "fail when a criterion is killed by fewer broken copies")
	only := fs.String("only", "", "comma-separated exercise ids (default: all)")
	if err := fs.Parse(args); err != nil {
		return err
	}
	kind, err := runtime.ParseKind(*kindFlag)
	if err != nil {
		return err
	}
	seeds, err := parseSeeds(*seedList)
	if err != nil {
		return err
	}
	wd, err := os.Getwd()
	if err != nil {
		return err
	}
	root, err := submission.ModuleRoot(wd)
	if err != nil {
		return err
	}
	var exs []grader.Exercise
	for _, ex := range catalog.All() {
		if *only == "" || strings.Contains(","+*only+",", ","+ex.ID+",") {
			exs = append(exs, ex)
		}
	}
	cases, err := selftest.Cases(root, exs)
	if err != nil {
		return err
	}
	var limits *submission.Limits
	if !*noLimits {
		l := submission.DefaultLimits()
		limits = &l
	}
	fmt.Fprintf(stderr, "grading %d cases x %d seeds with %d workers, as a batch does\n", len(cases), len(seeds), *workers)
	start := time.Now()
	results := selftest.Run(ctx, cases, selftest.Options{
		Root: root, Seeds: seeds, Workers: *workers, Runtime: runtime.Config{Kind: kind}, Limits: limits,
		Done: func(done, total int, r selftest.Result) {
			fmt.Fprintf(stderr, "[%d/%d] %s %s seed %d: %d/%d in %.1f s\n", done, total, r.Case.Exercise.ID, r.Case.Name, r.Seed, r.Report.Score, r.Report.MaxScore,
				float64(r.Report.DurationMS)/1000)
		},
	})
	first := results[:len(cases)]
	v := selftest.Judge(first)
	for k := 1; k < len(seeds); k++ {
		o := selftest.Judge(results[k*len(cases) : (k+1)*len(cases)])
		v.Mismatches = append(v.Mismatches, o.Mismatches...)
		v.GraderBugs = append(v.GraderBugs, o.GraderBugs...)
	}
	fmt.Fprintf(stdout, "kill matrix (seed %d; %d gradings with seeds %s, %d workers, in %s)\n",
		seeds[0], len(results), *seedList, *workers, time.Since(start).Round(time.Second))
	selftest.WriteMatrix(stdout, first, v)

	var weak []string
	for _, ex := range exs {
		for _, s := range ex.Scenarios {
			if n := v.Kills[ex.ID][s.ID]; n < *minKills {
				weak = append(weak, fmt.Sprintf("%s/%s (%d)", ex.ID, s.ID, n))
			}
		}
	}
	if len(weak) > 0 {
		fmt.Fprintf(stdout, "criteria killed by fewer than %d broken copies: %s\n", *minKills, strings.Join(weak, ", "))
	}

	// A rule counts as killed only by a copy whose every cell matched with every seed.
	covered, err := selftest.CoverRules(root, consistent(results, len(cases)))
	if err != nil {
		return err
	}
	var uncovered []string
	fmt.Fprintln(stdout, "\nrule coverage (each README rule and the broken copies that kill it)")
	for _, c := range covered {
		fmt.Fprint(stdout, c.String())
		for _, r := range c.Uncovered() {
			uncovered = append(uncovered, c.Exercise+"/"+r)
		}
		if len(c.Rules) == 0 {
			uncovered = append(uncovered, c.Exercise+" (its README has no rule table)")
		}
	}
	if !v.OK() || len(weak) > 0 || len(uncovered) > 0 || ctx.Err() != nil {
		if len(uncovered) > 0 {
			fmt.Fprintf(stdout, "rules no broken copy kills: %s\n", strings.Join(uncovered, ", "))
		}
		return fmt.Errorf("the kill matrix differs from what the cases declare")
	}
	return nil
}

// consistent returns the first seed's results, with a copy replaced by a failing
// placeholder when any seed judged it otherwise than declared.
func consistent(results []selftest.Result, n int) []selftest.Result {
	out := append([]selftest.Result(nil), results[:n]...)
	for k := n; k < len(results); k++ {
		r := results[k]
		if len(selftest.Judge([]selftest.Result{r}).Mismatches) > 0 {
			out[k%n].Case.Broken.Rules = nil
		}
	}
	return out
}

func parseSeeds(s string) ([]uint64, error) {
	var out []uint64
	for _, f := range strings.Split(s, ",") {
		n, err := strconv.ParseUint(strings.TrimSpace(f), 10, 64)
		if err != nil {
			return nil, fmt.Errorf("--seeds %q: %w", s, err)
		}
		out = append(out, n)
	}
	if len(out) == 0 {
		return nil, fmt.Errorf("--seeds: at least one seed")
	}
	return out, nil
}
