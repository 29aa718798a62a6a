package main

import (
	"context"
	"flag"
	"fmt"
	"io"
	"time"

	"idempotency/grader"
	"idempotency/grader/report"
	"idempotency/grader/watch"
)

const watchUsage = `usage: go run ./cmd/grade watch <exercise> [flags]

Grades the exercise, then again every time you save a .go file of its package, and says
which criteria changed. restate-server keeps running between runs. Ctrl-C stops everything.

flags:
`

// watchCmd is `grade watch ex1`.
func watchCmd(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	var debounce time.Duration
	a, err := parseSessionArgs("watch", watchUsage, args, stderr, func(fs *flag.FlagSet) {
		fs.DurationVar(&debounce, "debounce", 300*time.Millisecond, "how long the files must stay quiet before a run")
	})
	if err != nil {
		return err
	}
	opts, err := a.options(stderr)
	if err != nil {
		return err
	}
	colored := a.color(stdout)
	return watch.Run(ctx, a.ex, watch.Options{
		Grade:    opts,
		SeedSet:  a.seedSet,
		Debounce: debounce,
		Out:      stdout,
		Progress: stderr,
		Render:   func(w io.Writer, r *grader.Report) error { return report.Text(w, r, colored) },
		OnReport: func(r *grader.Report, _ watch.Change) {
			recordProgress(a.ex, a.solution, r, stderr)
			fmt.Fprintln(stdout)
		},
	})
}
