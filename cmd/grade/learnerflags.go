package main

import (
	"flag"
	"fmt"
	"io"
	"os"
	"path/filepath"

	"idempotency/grader"
	"idempotency/grader/catalog"
	"idempotency/grader/overlay"
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
	runtime  runtime.Kind
	image    string
}

// parseSessionArgs parses "EXERCISE [flags]" (flags before or after the exercise) for
// the command name and checks them; more adds the command's own flags.
func parseSessionArgs(name string, args []string, stdout io.Writer, more func(*flag.FlagSet)) (sessionArgs, error) {
	var a sessionArgs
	fs := newFlagSet(name)
	fs.BoolVar(&a.solution, "solution", false, "use the reference solution instead of your exercise")
	fs.StringVar(&a.dir, "dir", "", "use this folder instead (anywhere: its *.go files are copied into the module)")
	seed := fs.Uint64("seed", 0, "seed for generated inputs (default: a new one per run)")
	fs.BoolVar(&a.noColor, "no-color", false, "no colours (also: NO_COLOR=1)")
	kind := fs.String("runtime", "auto", "restate-server: auto, native or container")
	fs.StringVar(&a.image, "image", "", "container image of restate-server, pulled when missing")
	if more != nil {
		more(fs)
	}
	positional, err := parseFlags(name, fs, args, stdout)
	if err != nil {
		return a, err
	}
	if flagSet(fs, "seed") {
		a.seed, a.seedSet = *seed, true
	}
	if len(positional) != 1 {
		return a, usageErr(name, "name one exercise (%s)", exerciseRange())
	}
	ex, ok := catalog.Lookup(positional[0])
	if !ok {
		return a, usageErr(name, "unknown exercise %q (try: go run ./cmd/grade list)", positional[0])
	}
	a.ex = ex
	if a.solution && a.dir != "" {
		return a, usageErr(name, "use --solution or --dir, not both")
	}
	if a.runtime, err = checkRuntime(name, *kind, runtime.Auto, runtime.Native, runtime.Container); err != nil {
		return a, err
	}
	if err := checkImage(name, a.runtime, a.image); err != nil {
		return a, err
	}
	if a.dir != "" {
		if err := checkDir(name, a.dir, true); err != nil {
			return a, err
		}
	}
	if err := unsupportedPlatform(a.runtime); err != nil {
		return a, err
	}
	return a, nil
}

// session is what watch and play run: the grading options, with Dir the package that
// is built, and where it comes from.
type session struct {
	opts grader.Options
	// copy, when set, makes the package to build from Dir, a folder outside the module.
	copy func() (string, func(), error)
	// own says whether runs are the learner's own, to remember as progress.
	own bool
}

// session turns the arguments into grading options.
func (a sessionArgs) session(root string, stderr io.Writer) (session, error) {
	s := session{opts: grader.Options{
		Root:     root,
		Seed:     a.seed,
		Progress: stderr,
		Runtime:  runtime.Config{Kind: a.runtime, Image: a.image, Progress: stderr},
	}}
	switch {
	case a.dir != "" && !overlay.Is(a.dir) && outside(root, a.dir):
		s.opts.Dir, s.own = absPath(a.dir), true
		s.copy = func() (string, func(), error) { return stage(root, a.dir, a.ex.ID) }
	case a.dir != "":
		s.opts.Dir = a.dir
	case a.solution:
		s.opts.Dir = filepath.Join(root, a.ex.Solution)
	default:
		s.opts.Dir, s.own = filepath.Join(root, a.ex.Stub), true
	}
	if _, err := os.Stat(s.opts.Dir); err != nil {
		return s, &exitError{code: grader.ExitUsage, msg: fmt.Sprintf("grade: %v (run it from the module root)", err)}
	}
	return s, nil
}

func (a sessionArgs) color(w io.Writer) bool {
	return colorOn(config{noColor: a.noColor}, w)
}
