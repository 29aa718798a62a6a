// Command mutate measures the grader with generated mutants of the reference
// solutions (`make mutate`): it generates every mutant of each exercise's solution,
// grades each one as an overlay with a fixed seed, and prints the mutation score per
// exercise and per operator, and every survivor with its diff. --out DIR also writes
// DIR/mutants.json. It exits 1 when it cannot run, or when an exercise scores below
// --min-score.
package main

import (
	"context"
	"encoding/json"
	"flag"
	"fmt"
	"io"
	"os"
	"os/signal"
	"strings"
	"syscall"
	"time"

	"idempotency/grader"
	"idempotency/grader/catalog"
	"idempotency/grader/instructor/batch"
	"idempotency/grader/runtime"
	"idempotency/grader/selftest/mutate"
	"idempotency/grader/submission"
)

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	err := run(ctx, os.Args[1:], os.Stdout, os.Stderr)
	stop()
	if err != nil {
		fmt.Fprintln(os.Stderr, "mutate:", err)
		os.Exit(1)
	}
}

func run(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	fs := flag.NewFlagSet("mutate", flag.ContinueOnError)
	fs.SetOutput(stderr)
	only := fs.String("only", "", "comma-separated exercise ids (default: all)")
	ids := fs.String("ids", "", "comma-separated mutant ids: grade only these (after triage, to check a few again)")
	opList := fs.String("ops", "", "comma-separated operators, by name or number (default: all)")
	seed := fs.Uint64("seed", 1, "grading seed, the same for every mutant (and the sample's)")
	workers := fs.Int("workers", batch.DefaultWorkers(), "gradings at once (default: two per core)")
	sample := fs.Int("sample", 0, "grade a seeded sample of N mutants per exercise (0: all)")
	out := fs.String("out", "", "also write DIR/mutants.json")
	list := fs.Bool("list", false, "list the mutants without grading them")
	timeout := fs.Duration("timeout", mutate.DefaultTimeout, "bound on one mutant's grading")
	kindFlag := fs.String("runtime", "native", "restate-server runtime: native, container or auto")
	noLimits := fs.Bool("no-limits", false, "grade without the batch's limits")
	retries := fs.Int("retries", 1, "grade a mutant again when the grader could not judge it, up to N times")
	rescore := fs.String("rescore", "", "re-score a mutants.json with the current equivalent lists, without grading")
	minScore := fs.Float64("min-score", 0, "exit 1 when an exercise's mutation score (percent) is lower")
	if err := fs.Parse(args); err != nil {
		return err
	}
	kind, err := runtime.ParseKind(*kindFlag)
	if err != nil {
		return err
	}
	var ops []mutate.Operator
	for _, name := range split(*opList) {
		op, ok := mutate.ParseOperator(name)
		if !ok {
			return fmt.Errorf("unknown operator %q", name)
		}
		ops = append(ops, op)
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
	if len(exs) == 0 {
		return fmt.Errorf("no exercise matches --only %q", *only)
	}

	start := time.Now()
	var inputs []mutate.Exercise
	var perExercise [][]mutate.Job
	for _, ex := range exs {
		pkg, err := mutate.LoadDir(ctx, root, root+"/"+ex.Solution)
		if err != nil {
			return fmt.Errorf("%s: %w", ex.ID, err)
		}
		all, st := mutate.Generate(ex.ID, pkg, ops...)
		eqs, err := mutate.LoadEquivalents(root, ex.ID)
		if err != nil {
			return err
		}
		// A sample draws from the mutants nobody has reviewed yet: a listed one was graded
		// when it was listed, and the full run checks the lists again.
		pool := all
		if *ids != "" {
			want := map[string]bool{}
			for _, id := range split(*ids) {
				want[id] = true
			}
			pool = nil
			for _, m := range all {
				if want[m.ID] {
					pool = append(pool, m)
				}
			}
		}
		if *sample > 0 {
			var unlisted []*mutate.Mutant
			for _, m := range pool {
				if _, listed := eqs[m.ID]; !listed {
					unlisted = append(unlisted, m)
				}
			}
			pool = unlisted
		}
		picked := mutate.Sample(pool, *sample, *seed)
		fmt.Fprintf(stderr, "%s: %d mutants (%d candidates, %d duplicates, %d did not type-check)%s\n",
			ex.ID, len(all), st.Candidates, st.Duplicates, st.Dropped, sampled(len(picked), len(all)))
		if *list {
			for _, m := range picked {
				mark := ""
				if _, ok := eqs[m.ID]; ok {
					mark = "  [equivalent]"
				}
				fmt.Fprintf(stdout, "%s %s | %s%s\n", ex.ID, m.ID, m.Line0, mark)
			}
			continue
		}
		inputs = append(inputs, mutate.Exercise{ID: ex.ID, All: all, Stats: st, Equivalents: eqs})
		var js []mutate.Job
		for _, m := range picked {
			js = append(js, mutate.Job{Exercise: ex, Mutant: m})
		}
		perExercise = append(perExercise, js)
	}
	if *list {
		return nil
	}
	if *rescore != "" {
		return rescoreRun(*rescore, inputs, *out, *minScore, stdout, stderr)
	}
	jobs := interleave(perExercise)

	var limits *submission.Limits
	if !*noLimits {
		l := submission.DefaultLimits()
		limits = &l
	}
	fmt.Fprintf(stderr, "grading %d mutants with seed %d and %d workers\n", len(jobs), *seed, *workers)
	results := mutate.Run(ctx, jobs, mutate.Options{
		Root: root, Seed: *seed, Workers: *workers, Timeout: *timeout, Runtime: runtime.Config{Kind: kind}, Limits: limits, Retries: *retries,
		Done: func(done, total int, r mutate.Result) {
			fmt.Fprintf(stderr, "[%d/%d] %s %s %s (%s)\n", done, total, r.Mutant.Exercise, r.Status, r.Mutant.ID, r.Duration.Round(100*time.Millisecond))
		},
	})
	for i := range inputs {
		for _, r := range results {
			if r.Mutant.Exercise == inputs[i].ID {
				inputs[i].Results = append(inputs[i].Results, r)
			}
		}
	}
	sum := mutate.Summarize(inputs, *seed, *sample, *workers, start)
	sum.WriteText(stdout)
	if *out != "" {
		path, err := sum.WriteJSON(*out)
		if err != nil {
			return err
		}
		fmt.Fprintf(stderr, "wrote %s\n", path)
	}
	if ctx.Err() != nil {
		return fmt.Errorf("interrupted: the report covers the mutants graded before: %w", ctx.Err())
	}
	return checkScores(sum, *minScore)
}

// rescoreRun reads the results of an earlier run and reports them again with the
// equivalent lists as they are now: triage without grading again. A result whose
// mutant is no longer generated is left out.
func rescoreRun(path string, inputs []mutate.Exercise, out string, minScore float64, stdout, stderr io.Writer) error {
	data, err := os.ReadFile(path)
	if err != nil {
		return err
	}
	var old mutate.Summary
	if err := json.Unmarshal(data, &old); err != nil {
		return fmt.Errorf("%s: %w", path, err)
	}
	for i := range inputs {
		byID := map[string]*mutate.Mutant{}
		for _, m := range inputs[i].All {
			byID[m.ID] = m
		}
		for _, e := range old.Exercises {
			if e.Exercise != inputs[i].ID {
				continue
			}
			for _, ms := range e.Mutants {
				m, ok := byID[ms.ID]
				if !ok {
					fmt.Fprintf(stderr, "%s: %s is no longer generated: left out\n", e.Exercise, ms.ID)
					continue
				}
				inputs[i].Results = append(inputs[i].Results, mutate.Result{
					Mutant: m, Status: ms.Status, Failed: ms.Failed, Errors: ms.Errors, Detail: ms.Detail,
					Duration: time.Duration(ms.DurationMS) * time.Millisecond,
				})
			}
		}
	}
	sum := mutate.Summarize(inputs, old.Seed, old.Sample, old.Workers, old.Started)
	sum.DurationMS = old.DurationMS
	sum.WriteText(stdout)
	if out != "" {
		path, err := sum.WriteJSON(out)
		if err != nil {
			return err
		}
		fmt.Fprintf(stderr, "wrote %s\n", path)
	}
	return checkScores(sum, minScore)
}

func checkScores(sum *mutate.Summary, minScore float64) error {
	var low []string
	for _, e := range sum.Exercises {
		switch {
		case minScore <= 0:
		case e.Total.Score < 0 && e.Total.Killed+e.Total.Survived+e.Total.Errors > 0:
			// Graded, yet nothing scored: every mutant errored. No score is no pass.
			low = append(low, fmt.Sprintf("%s: none of its mutants could be judged", e.Exercise))
		case e.Total.Score >= 0 && e.Total.Score < minScore:
			low = append(low, fmt.Sprintf("%s %s", e.Exercise, e.Total.ScoreText()))
		}
	}
	if len(low) > 0 {
		return fmt.Errorf("mutation score below %.0f%%: %s", minScore, strings.Join(low, ", "))
	}
	return nil
}

// interleave takes one job of each exercise in turn, so that a run interrupted early
// (Ctrl-C reports what was graded) has graded every exercise alike.
func interleave(per [][]mutate.Job) []mutate.Job {
	var out []mutate.Job
	for i := 0; ; i++ {
		added := false
		for _, js := range per {
			if i < len(js) {
				out = append(out, js[i])
				added = true
			}
		}
		if !added {
			return out
		}
	}
}

func split(s string) []string {
	var out []string
	for _, f := range strings.Split(s, ",") {
		if f = strings.TrimSpace(f); f != "" {
			out = append(out, f)
		}
	}
	return out
}

func sampled(n, of int) string {
	if n == of {
		return ""
	}
	return fmt.Sprintf("; grading a sample of %d", n)
}
