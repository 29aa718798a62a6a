package main

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"path/filepath"
	"strings"
	"sync"
	"text/tabwriter"

	"idempotency/grader"
	"idempotency/grader/catalog"
	"idempotency/grader/instructor/compare"
	rt "idempotency/grader/runtime"
	"idempotency/grader/submission"
)

// compareResult is compare's JSON output.
type compareResult struct {
	Exercise    string               `json:"exercise"`
	Seed        uint64               `json:"seed"`
	Submission  *grader.Report       `json:"submission"`
	Reference   *grader.Report       `json:"reference"`
	Differences []compare.Difference `json:"differences"`
}

func compareCmd(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	fs := newFlagSet("compare")
	dir := fs.String("dir", "", "the submission's exercise folder (exercises/ex3 of a learner's copy)")
	seed := fs.Uint64("seed", 0, "seed for both runs (default: a new one, printed)")
	format := fs.String("format", "text", "text or json")
	kindFlag := fs.String("runtime", "auto", "restate-server: auto, native or container")
	positional, err := parseFlags("compare", fs, args, stdout)
	if err != nil {
		return err
	}
	if len(positional) != 1 || *dir == "" {
		return usageErr("compare", "name one exercise and --dir")
	}
	if *format != "text" && *format != "json" {
		return usageErr("compare", "--format must be text or json, not %q", *format)
	}
	ex, ok := catalog.Lookup(positional[0])
	if !ok {
		return usageErr("compare", "unknown exercise %q (try: go run ./cmd/grade list)", positional[0])
	}
	kind, err := checkRuntime("compare", *kindFlag, rt.Auto, rt.Native, rt.Container)
	if err != nil {
		return err
	}
	if err := checkDir("compare", *dir, false); err != nil {
		return err
	}
	if !flagSet(fs, "seed") {
		*seed = newSeed()
	}
	root, err := moduleRoot("compare")
	if err != nil {
		return err
	}
	defer beginWork(ctx, stderr)()
	staged, cleanup, err := stage(root, *dir, ex.ID)
	if err != nil {
		return &exitError{code: grader.ExitNoJudge, msg: "grade compare: " + err.Error()}
	}
	defer cleanup()
	lim := submission.DefaultLimits()
	grade := func(d string) *grader.Report {
		return grader.Grade(ctx, ex, grader.Options{Dir: d, Root: root, Seed: *seed, Limits: &lim, Runtime: rt.Config{Kind: kind}, Progress: stderr})
	}
	fmt.Fprintf(stderr, "grading %s and %s with seed %d ...\n", *dir, ex.Solution, *seed)
	var sub, ref *grader.Report
	var wg sync.WaitGroup
	wg.Go(func() { sub = grade(staged) })
	wg.Go(func() { ref = grade(filepath.Join(root, ex.Solution)) })
	wg.Wait()
	sub.Submission = *dir
	diffs := compare.Reports(sub, ref)
	if *format == "json" {
		enc := json.NewEncoder(stdout)
		enc.SetIndent("", "  ")
		if err := enc.Encode(compareResult{Exercise: ex.ID, Seed: *seed, Submission: sub, Reference: ref, Differences: diffs}); err != nil {
			return err
		}
	} else {
		printComparison(stdout, ex, *dir, *seed, sub, ref, diffs)
	}
	if len(diffs) > 0 {
		return &exitError{code: 1}
	}
	return nil
}

func printComparison(w io.Writer, ex grader.Exercise, dir string, seed uint64, sub, ref *grader.Report, diffs []compare.Difference) {
	fmt.Fprintf(w, "%s: %s compared with the reference %s (seed %d)\n\n", ex.ID, dir, ex.Solution, seed)
	byCrit := map[string][]compare.Difference{}
	for _, d := range diffs {
		byCrit[d.Criterion] = append(byCrit[d.Criterion], d)
	}
	if ds := byCrit["*"]; len(ds) > 0 {
		fmt.Fprintf(w, "the run itself differs:\n  submission: %s\n  reference:  %s\n\n", indent(ds[0].Submission), indent(ds[0].Reference))
	}
	refStatus := map[string]grader.Status{}
	for _, c := range ref.Criteria {
		refStatus[c.ID] = c.Status
	}
	tw := tabwriter.NewWriter(w, 2, 4, 2, ' ', 0)
	fmt.Fprintln(tw, "criterion\tsubmission\treference\t")
	for _, c := range sub.Criteria {
		same := "same observations"
		if len(byCrit[c.ID]) > 0 {
			same = fmt.Sprintf("%d difference(s)", len(byCrit[c.ID]))
		}
		fmt.Fprintf(tw, "%s\t%s\t%s\t%s\n", c.ID, c.Status, refStatus[c.ID], same)
	}
	tw.Flush()
	for _, c := range sub.Criteria {
		ds := byCrit[c.ID]
		if len(ds) == 0 {
			continue
		}
		fmt.Fprintf(w, "\n%s:\n", c.ID)
		for _, d := range ds {
			fmt.Fprintf(w, "  %s\n    submission: %s\n    reference:  %s\n", d.Field, indent(d.Submission), indent(d.Reference))
		}
	}
	fmt.Fprintf(w, "\nscore: submission %d/%d, reference %d/%d; %d criteria observed differently\n",
		sub.Score, sub.MaxScore, ref.Score, ref.MaxScore, compare.Criteria(diffs))
}

func indent(s string) string {
	if s == "" {
		return "(nothing)"
	}
	return strings.ReplaceAll(s, "\n", "\n                ")
}
