package main

import (
	"context"
	"flag"
	"fmt"
	"io"
	"os"
	"path/filepath"

	"idempotency/grader"
	"idempotency/grader/catalog"
	"idempotency/grader/classreport"
)

const mergeUsage = `usage: go run ./cmd/grade merge --out DIR SHARD...

Combines the class.json of each shard (batch --shard i/n, same --seed) into one class
report and writes every format to --out. A SHARD is a class.json or the folder holding it.

flags:
`

func mergeCmd(_ context.Context, args []string, stdout, stderr io.Writer) error {
	fs := flag.NewFlagSet("merge", flag.ContinueOnError)
	fs.SetOutput(stderr)
	fs.Usage = func() { fmt.Fprint(stderr, mergeUsage); fs.PrintDefaults() }
	out := fs.String("out", "grade-out", "folder for the merged class's reports")
	hidden := fs.String("hidden", "", "criteria held back until the due date in Gradescope's output: id,id,... or all")
	positional, err := parseInterleaved(fs, args)
	if err != nil {
		return err
	}
	if len(positional) == 0 {
		fs.Usage()
		return &exitError{code: grader.ExitUsage, msg: "grade merge: name the shards' class.json files"}
	}
	var shards []*classreport.Class
	for _, p := range positional {
		if info, err := os.Stat(p); err == nil && info.IsDir() {
			p = filepath.Join(p, "class.json")
		}
		f, err := os.Open(p)
		if err != nil {
			return &exitError{code: grader.ExitUsage, msg: "grade merge: " + err.Error()}
		}
		c, err := classreport.ReadJSON(f)
		f.Close()
		if err != nil {
			return &exitError{code: grader.ExitUsage, msg: fmt.Sprintf("grade merge: %s: %v", p, err)}
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
	held, err := parseHidden(*hidden, exs)
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
