package main

import (
	"context"
	"crypto/rand"
	"encoding/binary"
	"fmt"
	"io"
	"os"
	"strings"
	"text/tabwriter"
	"time"

	"idempotency/grader"
	"idempotency/grader/catalog"
	"idempotency/grader/instructor/batch"
	"idempotency/grader/instructor/classreport"
	rt "idempotency/grader/runtime"
	"idempotency/grader/submission"
)

// batchCmd grades a whole class.
func batchCmd(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	fs := newFlagSet("batch")
	seed := fs.Uint64("seed", 0, "instructor's seed for every submission (default: a new one; printed in instructor outputs only)")
	out := fs.String("out", "grade-out", "folder for the class's reports")
	workers := fs.Int("workers", batch.DefaultWorkers(), "submissions graded at once, each with its own restate-server")
	deadline := fs.Duration("deadline", batch.DefaultDeadline, "wall-clock bound on one exercise of one submission")
	shard := fs.String("shard", "", "grade only shard i of n (i/n), for a CI matrix; combine with merge")
	hidden := fs.String("hidden", "", "criteria held back until the due date in Gradescope's output: id,id,... or all")
	cmp := fs.Bool("compare", false, "also grade each reference solution with the same seed and show where each submission differs")
	noLimits := fs.Bool("no-limits", false, "do not confine submissions (trusted code only)")
	kindFlag := fs.String("runtime", "auto", "restate-server: auto, native or container")
	positional, err := parseFlags("batch", fs, args, stdout)
	if err != nil {
		return err
	}
	if len(positional) < 1 {
		return usageErr("batch", "name the folder of submissions")
	}
	exs, err := exercisesNamed("batch", positional[1:])
	if err != nil {
		return err
	}
	sh := batch.Shard{Index: 1, Count: 1}
	if *shard != "" {
		if sh, err = batch.ParseShard(*shard); err != nil {
			return usageErr("batch", "%v", err)
		}
	}
	held, err := parseHidden("batch", *hidden, exs)
	if err != nil {
		return err
	}
	kind, err := checkRuntime("batch", *kindFlag, rt.Auto, rt.Native, rt.Container)
	if err != nil {
		return err
	}
	if *workers < 1 {
		return usageErr("batch", "--workers must be 1 or more, not %d", *workers)
	}
	if *deadline <= 0 {
		return usageErr("batch", "--deadline must be more than 0, not %s", *deadline)
	}
	if info, err := os.Stat(positional[0]); err != nil || !info.IsDir() {
		return usageErr("batch", "%s is not a folder of submissions", positional[0])
	}
	if !flagSet(fs, "seed") {
		*seed = newSeed()
	}
	root, err := moduleRoot("batch")
	if err != nil {
		return err
	}
	subs, err := batch.Discover(positional[0])
	if err != nil {
		return usageErr("batch", "%v", err)
	}
	subs = sh.Select(subs)
	defer beginWork(ctx, stderr)()
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
		Runtime: rt.Config{Kind: kind},
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
func exercisesNamed(cmd string, names []string) ([]grader.Exercise, error) {
	if len(names) == 0 || (len(names) == 1 && names[0] == "all") {
		return catalog.All(), nil
	}
	var out []grader.Exercise
	for _, n := range names {
		ex, ok := catalog.Lookup(n)
		if !ok {
			return nil, usageErr(cmd, "unknown exercise %q (try: go run ./cmd/grade list)", n)
		}
		out = append(out, ex)
	}
	return out, nil
}

// parseHidden reads --hidden: criterion ids (of any graded exercise), or all.
func parseHidden(cmd, s string, exs []grader.Exercise) (classreport.Hidden, error) {
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
			return h, usageErr(cmd, "--hidden: no criterion %q in the exercises graded (try: go run ./cmd/grade list)", id)
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
