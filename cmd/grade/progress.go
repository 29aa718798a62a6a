package main

import (
	"context"
	"fmt"
	"io"
	"strings"
	"text/tabwriter"
	"time"

	"idempotency/grader"
	"idempotency/grader/catalog"
	"idempotency/grader/learner/progress"
)

// progressCmd is `grade progress`: every exercise with its best score and what to do next.
func progressCmd(_ context.Context, args []string, stdout, _ io.Writer) error {
	positional, err := parseFlags("progress", newFlagSet("progress"), args, stdout)
	if err != nil {
		return err
	}
	if len(positional) > 0 {
		return usageErr("progress", "takes no arguments")
	}
	store, err := progress.Open()
	if err != nil {
		return err
	}
	st, err := store.Load()
	if err != nil {
		return err
	}
	return writeProgress(stdout, catalog.All(), st, store.Path)
}

func writeProgress(w io.Writer, exs []grader.Exercise, st *progress.State, path string) error {
	var b strings.Builder
	fmt.Fprintf(&b, "Your progress (kept in %s)\n\n", path)
	tw := tabwriter.NewWriter(&b, 0, 0, 2, ' ', 0)
	fmt.Fprintln(tw, "  \texercise\tbest\tbonus\truns\tnext")
	next := ""
	for _, ex := range exs {
		max, bonusMax := ex.MaxScore()
		e := st.Exercises[ex.ID]
		if e == nil || e.Runs == 0 {
			fmt.Fprintf(tw, "  %s\t%s\t-/%d\t-/%d\t0\tstart: read %s/README.md, then go run ./cmd/grade watch %s\n",
				ex.ID, ex.Title, max, bonusMax, ex.Stub, ex.ID)
			if next == "" {
				next = fmt.Sprintf("start %s: read %s/README.md, then `go run ./cmd/grade watch %s` and edit until it is all green", ex.ID, ex.Stub, ex.ID)
			}
			continue
		}
		todo := nextFor(ex, e)
		fmt.Fprintf(tw, "  %s\t%s\t%d/%d\t%d/%d\t%d\t%s\n", ex.ID, ex.Title, e.BestScore, max, e.BestBonus, bonusMax, e.Runs, todo)
		if next == "" && e.BestScore < max {
			next = ex.ID + ": " + todo
		}
	}
	if err := tw.Flush(); err != nil {
		return err
	}
	if next == "" {
		next = "every exercise has full marks. Try the bonus criteria, or play with your services: go run ./cmd/grade play ex1"
	}
	fmt.Fprintf(&b, "\nNext: %s\n", next)
	_, err := io.WriteString(w, b.String())
	return err
}

// nextFor says what to do on an exercise that has been graded.
func nextFor(ex grader.Exercise, e *progress.Exercise) string {
	for _, s := range ex.Scenarios {
		for _, id := range e.Failing {
			if id == s.ID && !s.Bonus {
				return fmt.Sprintf("fix %q (go run ./cmd/grade hint %s %s)", s.Title, ex.ID, s.ID)
			}
		}
	}
	for _, s := range ex.Scenarios {
		for _, id := range e.Failing {
			if id == s.ID {
				return fmt.Sprintf("done; bonus: %q", s.Title)
			}
		}
	}
	return "done"
}

// recordProgress remembers a run of the learner's own package (exercises/exN, or a
// folder of theirs outside the module; not the solution, not another package of the
// module); it never fails the grading, it only says so.
func recordProgress(ex grader.Exercise, own bool, r *grader.Report, stderr io.Writer) {
	if !own {
		return
	}
	store, err := progress.Open()
	if err == nil {
		err = store.Update(func(st *progress.State) { st.Record(r, time.Now()) })
	}
	if err != nil {
		fmt.Fprintf(stderr, "grade: could not remember this run: %v\n", err)
	}
}
