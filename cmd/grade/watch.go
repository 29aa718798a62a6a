package main

import (
	"context"
	"flag"
	"fmt"
	"io"
	"time"

	"idempotency/grader"
	"idempotency/grader/learner/watch"
	"idempotency/grader/report"
)

// watchCmd is `grade watch ex1`.
func watchCmd(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	var debounce time.Duration
	a, err := parseSessionArgs("watch", args, stdout, func(fs *flag.FlagSet) {
		fs.DurationVar(&debounce, "debounce", 300*time.Millisecond, "how long the files must stay quiet before a run")
	})
	if err != nil {
		return err
	}
	if debounce <= 0 {
		return usageErr("watch", "--debounce must be more than 0, not %s", debounce)
	}
	root, err := moduleRoot("watch")
	if err != nil {
		return err
	}
	s, err := a.session(root, stderr)
	if err != nil {
		return err
	}
	defer beginWork(ctx, stderr)()
	if s.copy != nil {
		fmt.Fprintf(stderr, "watch: %s is outside this module: each run grades a copy of its .go files\n", a.dir)
	}
	text := report.TextOptions{Color: a.color(stdout), Width: termWidth(stdout)}
	return watch.Run(ctx, a.ex, watch.Options{
		Grade:    s.opts,
		Copy:     s.copy,
		SeedSet:  a.seedSet,
		Debounce: debounce,
		Out:      stdout,
		Progress: stderr,
		Render:   func(w io.Writer, r *grader.Report) error { return report.TextWith(w, r, text) },
		OnReport: func(r *grader.Report, _ watch.Change) {
			recordProgress(a.ex, s.own, r, stderr)
			fmt.Fprintln(stdout)
		},
	})
}
