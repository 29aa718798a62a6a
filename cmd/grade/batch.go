package main

import (
	"context"
	"crypto/rand"
	"encoding/binary"
	"flag"
	"fmt"
	"io"
	"strings"
	"text/tabwriter"
	"time"

	"idempotency/grader"
	"idempotency/grader/batch"
	"idempotency/grader/catalog"
	"idempotency/grader/classreport"
	rt "idempotency/grader/runtime"
	"idempotency/grader/submission"
)

const batchUsage = `usage: go run ./cmd/grade batch DIR [ex1 ... | all] [flags]

Grades every submission in DIR (one subdirectory per learner, holding exercises/exN or exN)
with this module's contract, fixtures and grader, and writes the class's reports to --out.

flags:
`

// batchCmd grades a whole class.
func batchCmd(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	fs := flag.NewFlagSet("batch", flag.ContinueOnError)
	fs.SetOutput(stderr)
	fs.Usage = func() { fmt.Fprint(stderr, batchUsage); fs.PrintDefaults() }
	seed := fs.Uint64("seed", 0, "instructor's seed for every submission (default: a new one; printed in instructor outputs only)")
	out := fs.String("out", "grade-out", "folder for the class's reports")
	workers := fs.Int("workers", batch.DefaultWorkers(), "submissions graded at once, each with its own restate-server")
	deadline := fs.Duration("deadline", batch.DefaultDeadline, "wall-clock bound on one exercise of one submission")
	shard := fs.String("shard", "", "grade only shard i of n (i/n), for a CI matrix; combine with merge")
	hidden := fs.String("hidden", "", "criteria held back until the due date in Gradescope's output: id,id,... or all")
	cmp := fs.Bool("compare", false, "also grade each reference solution with the same seed and show where each submission differs")
	noLimits := fs.Bool("no-limits", false, "do not confine submissions (trusted code only)")
	kind := fs.String("runtime", "auto", "restate-server: auto, native or container")
	positional, err := parseInterleaved(fs, args)
	if err != nil {
		return err
	}
	if len(positional) < 1 {
		fs.Usage()
		return &exitError{code: grader.ExitUsage, msg: "grade batch: name the folder of submissions"}
	}
	exs, err := exercisesNamed(positional[1:])
	if err != nil {
		return err
	}
	sh := batch.Shard{Index: 1, Count: 1}
	if *shard != "" {
		if sh, err = batch.ParseShard(*shard); err != nil {
			return &exitError{code: grader.ExitUsage, msg: "grade batch: " + err.Error()}
		}
	}
	held, err := parseHidden(*hidden, exs)
	if err != nil {
		return err
	}
	if !flagSet(fs, "seed") {
		*seed = newSeed()
	}
	root, err := submission.ModuleRoot(".")
	if err != nil {
		return err
	}
	subs, err := batch.Discover(positional[0])
	if err != nil {
		return &exitError{code: grader.ExitUsage, msg: "grade batch: " + err.Error()}
	}
	subs = sh.Select(subs)
	if err := classreport.PrepareDir(*out); err != nil {
		return err
	}
	var limits *submission.Limits
	if !*noLimits {
		l := submission.DefaultLimits()
		limits = &l
		if !submission.CgroupsWritable() {
			fmt.Fprintln(stderr, "limits: cgroups are not writable here: rlimits only (memory per process, CPU time); a fork loop is bounded by the process group kill only")
		}
	}
	fmt.Fprintf(stderr, "grading %d submissions x %d exercises with %d workers (seed %d)\n", len(subs), len(exs), *workers, *seed)
	class, err := batch.Run(ctx, subs, batch.Options{
		Root: root, Exercises: exs, Seed: *seed, Workers: *workers, Deadline: *deadline,
		Limits: limits, Compare: *cmp, Progress: stderr,
		Runtime: rt.Config{Kind: *kind},
	})
	if err != nil {
		return err
	}
	class.Shard = sh.String()
	files, err := classreport.WriteFiles(*out, class, classreport.All(class, held))
	if err != nil {
		return err
	}
	summary(stdout, class)
	fmt.Fprintf(stdout, "\n%d submissions in %s; reports:\n", len(class.Learners), (time.Duration(class.DurationMS) * time.Millisecond).Round(time.Second))
	for _, f := range files {
		fmt.Fprintln(stdout, "  "+f)
	}
	return nil
}

// summary prints a learner per line with their score per exercise.
func summary(w io.Writer, c *classreport.Class) {
	tw := tabwriter.NewWriter(w, 2, 4, 2, ' ', 0)
	fmt.Fprint(tw, "learner\t"+strings.Join(c.Exercises, "\t")+"\ttotal\n")
	for _, l := range c.Learners {
		fmt.Fprint(tw, l.Name)
		for _, r := range l.Results {
			cell := r.Status()
			if r.Report != nil && !r.Missing && cell != "error" {
				cell = fmt.Sprintf("%d/%d", r.Report.Score, r.Report.MaxScore)
			}
			fmt.Fprint(tw, "\t"+cell)
		}
		score, _, _ := l.Totals()
		fmt.Fprintf(tw, "\t%d/%d\n", score, c.MaxScore())
	}
	tw.Flush()
}

// exercisesNamed reads "ex1 ex3", "all" or nothing (all).
func exercisesNamed(names []string) ([]grader.Exercise, error) {
	if len(names) == 0 || (len(names) == 1 && names[0] == "all") {
		return catalog.All(), nil
	}
	var out []grader.Exercise
	for _, n := range names {
		ex, ok := catalog.Lookup(n)
		if !ok {
			return nil, &exitError{code: grader.ExitUsage, msg: fmt.Sprintf("grade: unknown exercise %q (try: go run ./cmd/grade list)", n)}
		}
		out = append(out, ex)
	}
	return out, nil
}

// parseHidden reads --hidden: criterion ids (of any graded exercise), or all.
func parseHidden(s string, exs []grader.Exercise) (classreport.Hidden, error) {
	h := classreport.Hidden{}
	if s == "" {
		return h, nil
	}
	known := map[string]bool{}
	for _, ex := range exs {
		for _, sc := range ex.Scenarios {
			known[sc.ID] = true
		}
	}
	for _, id := range strings.Split(s, ",") {
		id = strings.TrimSpace(id)
		if id == "all" {
			h.All = true
			continue
		}
		if !known[id] {
			return h, &exitError{code: grader.ExitUsage, msg: fmt.Sprintf("grade: --hidden: no criterion %q in the exercises graded (see: go run ./cmd/grade list)", id)}
		}
		if h.IDs == nil {
			h.IDs = map[string]bool{}
		}
		h.IDs[id] = true
	}
	return h, nil
}

// newSeed draws a seed when none is given (as the grade command does).
func newSeed() uint64 {
	var b [8]byte
	_, _ = rand.Read(b[:])
	return binary.LittleEndian.Uint64(b[:]) % 1_000_000_000
}
