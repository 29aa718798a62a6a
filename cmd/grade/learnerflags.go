package main

import (
	"flag"
	"fmt"
	"io"
	"os"

	"idempotency/grader"
	"idempotency/grader/catalog"
	"idempotency/grader/runtime"
)

// sessionArgs are the arguments watch and play share: which exercise, which package,
// which server.
type sessionArgs struct {
	ex       grader.Exercise
	dir      string
	solution bool
	seed     uint64
	seedSet  bool
	noColor  bool
	runtime  string
	image    string
}

// parseSessionArgs parses "EXERCISE [flags]" (flags before or after the exercise) for
// the command name; more adds the command's own flags.
func parseSessionArgs(name, usage string, args []string, stderr io.Writer, more func(*flag.FlagSet)) (sessionArgs, error) {
	var a sessionArgs
	fs := flag.NewFlagSet(name, flag.ContinueOnError)
	fs.SetOutput(stderr)
	fs.Usage = func() { fmt.Fprint(stderr, usage); fs.PrintDefaults() }
	fs.BoolVar(&a.solution, "solution", false, "use the reference solution instead of your exercise")
	fs.StringVar(&a.dir, "dir", "", "use the package in this directory (inside the module)")
	seed := fs.Uint64("seed", 0, "seed for generated inputs (default: a new one per run)")
	fs.BoolVar(&a.noColor, "no-color", false, "no colours (also: NO_COLOR=1)")
	fs.StringVar(&a.runtime, "runtime", "auto", "restate-server: auto, native or container")
	fs.StringVar(&a.image, "image", "", "container image of restate-server")
	if more != nil {
		more(fs)
	}
	positional, err := parseInterleaved(fs, args)
	if err != nil {
		return a, err
	}
	if flagSet(fs, "seed") {
		a.seed, a.seedSet = *seed, true
	}
	if len(positional) != 1 {
		fs.Usage()
		return a, &exitError{code: grader.ExitUsage, msg: fmt.Sprintf("grade %s: name one exercise (ex1 ... ex6)", name)}
	}
	ex, ok := catalog.Lookup(positional[0])
	if !ok {
		return a, &exitError{code: grader.ExitUsage, msg: fmt.Sprintf("grade %s: unknown exercise %q (try: go run ./cmd/grade list)", name, positional[0])}
	}
	a.ex = ex
	if a.solution && a.dir != "" {
		return a, &exitError{code: grader.ExitUsage, msg: fmt.Sprintf("grade %s: use --solution or --dir, not both", name)}
	}
	if a.runtime == "external" {
		return a, &exitError{code: grader.ExitUsage, msg: fmt.Sprintf("grade %s: starts its own restate-server; use --runtime auto, native or container", name)}
	}
	return a, nil
}

// options turns the arguments into grading options; Dir is always set, so that the
// caller knows which package it watches.
func (a sessionArgs) options(stderr io.Writer) (grader.Options, error) {
	opts := grader.Options{
		Seed:     a.seed,
		Progress: stderr,
		Runtime:  runtime.Config{Kind: a.runtime, Image: a.image, Progress: stderr},
	}
	switch {
	case a.dir != "":
		opts.Dir = a.dir
	case a.solution:
		opts.Dir = a.ex.Solution
	default:
		opts.Dir = a.ex.Stub
	}
	if _, err := os.Stat(opts.Dir); err != nil {
		return opts, &exitError{code: grader.ExitUsage, msg: fmt.Sprintf("grade: %v (run it from the module root)", err)}
	}
	return opts, nil
}

func (a sessionArgs) color(w io.Writer) bool {
	return colorOn(config{noColor: a.noColor}, w)
}
