// Command selftest grades every reference solution, every stub and every broken copy,
// and prints the kill matrix (`make selftest`). It exits 1 when any cell differs from
// what the case declares, or a criterion fails on its reference solution.
package main

import (
	"context"
	"flag"
	"fmt"
	"io"
	"os"
	"os/signal"
	goruntime "runtime"
	"strings"
	"syscall"

	"idempotency/grader"
	"idempotency/grader/catalog"
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
	seed := fs.Uint64("seed", 1, "seed for every generated input")
	workers := fs.Int("workers", goruntime.NumCPU(), "gradings at once")
	kind := fs.String("runtime", "native", "restate-server runtime")
	minKills := fs.Int("min-kills", 1, "fail when a criterion is killed by fewer broken copies")
	only := fs.String("only", "", "comma-separated exercise ids (default: all)")
	if err := fs.Parse(args); err != nil {
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
		if len(ex.Scenarios) == 0 {
			continue // not written yet
		}
		if *only == "" || strings.Contains(","+*only+",", ","+ex.ID+",") {
			exs = append(exs, ex)
		}
	}
	cases, err := selftest.Cases(root, exs)
	if err != nil {
		return err
	}
	results := selftest.Run(ctx, cases, selftest.Options{
		Root: root, Seed: *seed, Workers: *workers, Runtime: runtime.Config{Kind: *kind},
		Done: func(done, total int, r selftest.Result) {
			fmt.Fprintf(stderr, "[%d/%d] %s %s: %d/%d\n", done, total, r.Case.Exercise.ID, r.Case.Name, r.Report.Score, r.Report.MaxScore)
		},
	})
	v := selftest.Judge(results)
	selftest.WriteMatrix(stdout, results, v)
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
	if !v.OK() || len(weak) > 0 || ctx.Err() != nil {
		return fmt.Errorf("the kill matrix differs from what the cases declare")
	}
	return nil
}
