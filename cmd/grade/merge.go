package main

import (
	"context"
	"fmt"
	"io"
	"os"
	"path/filepath"

	"idempotency/grader"
	"idempotency/grader/catalog"
	"idempotency/grader/instructor/classreport"
)

func mergeCmd(_ context.Context, args []string, stdout, _ io.Writer) error {
	fs := newFlagSet("merge")
	out := fs.String("out", "grade-out", "folder for the merged class's reports")
	hidden := fs.String("hidden", "", "criteria held back until the due date in Gradescope's output: id,id,... or all")
	positional, err := parseFlags("merge", fs, args, stdout)
	if err != nil {
		return err
	}
	if len(positional) == 0 {
		return usageErr("merge", "name the shards' class.json files")
	}
	var shards []*classreport.Class
	for _, p := range positional {
		if info, err := os.Stat(p); err == nil && info.IsDir() {
			p = filepath.Join(p, "class.json")
		}
		f, err := os.Open(p)
		if err != nil {
			return usageErr("merge", "%v", err)
		}
		c, err := classreport.ReadJSON(f)
		f.Close()
		if err != nil {
			return usageErr("merge", "%s: %v", p, err)
		}
		shards = append(shards, c)
	}
	merged, err := classreport.Merge(shards)
	if err != nil {
		return &exitError{code: grader.ExitUsage, msg: "grade " + err.Error()}
	}
	var exs []grader.Exercise
	for _, id := range merged.Exercises {
		if ex, ok := catalog.Lookup(id); ok {
			exs = append(exs, ex)
		}
	}
	held, err := parseHidden("merge", *hidden, exs)
	if err != nil {
		return err
	}
	files, err := classreport.WriteFiles(*out, merged, classreport.All(merged, held))
	if err != nil {
		return err
	}
	summary(stdout, merged)
	fmt.Fprintf(stdout, "\nmerged %d shards: %d submissions; reports:\n", len(shards), len(merged.Learners))
	for _, f := range files {
		fmt.Fprintln(stdout, "  "+f)
	}
	return nil
}
