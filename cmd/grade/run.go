package main

import (
	"context"
	"crypto/rand"
	"encoding/binary"
	"flag"
	"fmt"
	"io"
	"os"
	"strings"

	"idempotency/grader"
	"idempotency/grader/catalog"
	"idempotency/grader/report"
	"idempotency/grader/runtime"

	"github.com/mattn/go-isatty"
)

const usage = `usage: go run ./cmd/grade <exercise|all|list> [flags]

  go run ./cmd/grade ex1                 grade your exercises/ex1
  go run ./cmd/grade ex1 --solution      grade the reference solution
  go run ./cmd/grade ex1 --dir PATH      grade the package in PATH (inside this module)
  go run ./cmd/grade ex1 --seed 42       replay a run exactly
  go run ./cmd/grade all                 grade every exercise
  go run ./cmd/grade list                list exercises and their criteria

flags:
`

// exitError carries an exit status (and optionally a message) out of run.
type exitError struct {
	code int
	msg  string
}

func (e *exitError) Error() string { return fmt.Sprintf("exit %d: %s", e.code, e.msg) }

type config struct {
	solution   bool
	dir        string
	seed       uint64
	seedSet    bool
	format     string
	noColor    bool
	runtime    string
	restateURL string
	adminURL   string
	image      string
}

// subcommand is a command word other than an exercise id, with its own arguments.
type subcommand func(ctx context.Context, args []string, stdout, stderr io.Writer) error

// subcommands are the command words that are not exercises; each parses its own flags.
func subcommands() map[string]subcommand {
	return map[string]subcommand{
		"list":     func(_ context.Context, _ []string, stdout, _ io.Writer) error { return list(stdout) },
		"watch":    watchCmd,
		"play":     playCmd,
		"doctor":   doctorCmd,
		"progress": progressCmd,
		"hint":     hintCmd,
		"batch":    batchCmd,
		"compare":  compareCmd,
		"merge":    mergeCmd,
	}
}

func run(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	if len(args) == 0 {
		args = []string{"progress"}
	}
	if len(args) > 0 {
		if sub, ok := subcommands()[args[0]]; ok {
			return sub(ctx, args[1:], stdout, stderr)
		}
	}
	cfg, positional, err := parseArgs(args, stderr)
	if err != nil {
		return err
	}
	if len(positional) != 1 {
		fmt.Fprint(stderr, usage)
		return &exitError{code: grader.ExitUsage, msg: "grade: name one exercise (ex1 ... ex6), all, or list"}
	}
	switch cmd := positional[0]; cmd {
	case "all":
		if cfg.dir != "" {
			return &exitError{code: grader.ExitUsage, msg: "grade: --dir names one exercise's package; use it with ex1 ... ex6"}
		}
		return gradeMany(ctx, catalog.All(), cfg, stdout, stderr)
	default:
		if _, isSub := subcommands()[cmd]; isSub {
			return &exitError{code: grader.ExitUsage, msg: fmt.Sprintf("grade: put %q first: go run ./cmd/grade %s ...", cmd, cmd)}
		}
		ex, ok := catalog.Lookup(cmd)
		if !ok {
			return &exitError{code: grader.ExitUsage, msg: fmt.Sprintf("grade: unknown exercise %q (try: go run ./cmd/grade list)", cmd)}
		}
		return gradeMany(ctx, []grader.Exercise{ex}, cfg, stdout, stderr)
	}
}

// parseArgs accepts flags before and after the command word.
func parseArgs(args []string, stderr io.Writer) (config, []string, error) {
	var cfg config
	fs := flag.NewFlagSet("grade", flag.ContinueOnError)
	fs.SetOutput(stderr)
	fs.Usage = func() { fmt.Fprint(stderr, usage); fs.PrintDefaults() }
	fs.BoolVar(&cfg.solution, "solution", false, "grade the reference solution instead of your exercise")
	fs.StringVar(&cfg.dir, "dir", "", "grade the package in this directory (inside the module)")
	seed := fs.Uint64("seed", 0, "seed for every generated input (default: a new one, printed in the report)")
	fs.StringVar(&cfg.format, "format", "text", "report format: text or json")
	fs.BoolVar(&cfg.noColor, "no-color", false, "no colours (also: NO_COLOR=1)")
	fs.StringVar(&cfg.runtime, "runtime", "auto", "restate-server: auto, native, container or external")
	fs.StringVar(&cfg.restateURL, "restate-url", "", "ingress URL of a restate-server you run (implies --runtime external)")
	fs.StringVar(&cfg.adminURL, "admin-url", "", "admin URL of a restate-server you run")
	fs.StringVar(&cfg.image, "image", "", "container image of restate-server (default the official 1.7.12 image)")

	positional, err := parseInterleaved(fs, args)
	if err != nil {
		return cfg, nil, err
	}
	if flagSet(fs, "seed") {
		cfg.seed, cfg.seedSet = *seed, true
	}
	if cfg.format != "text" && cfg.format != "json" {
		return cfg, nil, &exitError{code: grader.ExitUsage, msg: "grade: --format must be text or json"}
	}
	if cfg.solution && cfg.dir != "" {
		return cfg, nil, &exitError{code: grader.ExitUsage, msg: "grade: use --solution or --dir, not both"}
	}
	if cfg.restateURL != "" || cfg.adminURL != "" {
		if cfg.restateURL == "" || cfg.adminURL == "" {
			return cfg, nil, &exitError{code: grader.ExitUsage, msg: "grade: --restate-url and --admin-url go together"}
		}
		cfg.runtime = "external"
	}
	if !cfg.seedSet {
		var b [8]byte
		_, _ = rand.Read(b[:])
		cfg.seed = binary.LittleEndian.Uint64(b[:]) % 1_000_000_000
	}
	return cfg, positional, nil
}

func gradeMany(ctx context.Context, exs []grader.Exercise, cfg config, stdout, stderr io.Writer) error {
	var reports []*grader.Report
	code := grader.ExitPass
	for _, ex := range exs {
		opts := grader.Options{
			Seed:     cfg.seed,
			Progress: stderr,
			Runtime: runtime.Config{
				Kind: cfg.runtime, Image: cfg.image,
				IngressURL: cfg.restateURL, AdminURL: cfg.adminURL,
				Progress: stderr,
			},
		}
		switch {
		case cfg.dir != "":
			opts.Dir = cfg.dir
		case cfg.solution:
			opts.Dir = ex.Solution
		}
		if cfg.format == "text" {
			fmt.Fprintf(stderr, "grading %s ...\n", ex.ID)
		}
		rep := grader.Grade(ctx, ex, opts)
		recordProgress(ex, cfg.solution, rep, stderr)
		reports = append(reports, rep)
		if cfg.format == "text" {
			if err := report.Text(stdout, rep, colorOn(cfg, stdout)); err != nil {
				return err
			}
			if len(exs) > 1 {
				fmt.Fprintln(stdout)
			}
		}
		code = max(code, rep.ExitCode())
		if ctx.Err() != nil {
			break
		}
	}
	if cfg.format == "json" {
		var err error
		if len(reports) == 1 {
			err = report.JSON(stdout, reports[0])
		} else {
			err = report.JSONAll(stdout, reports)
		}
		if err != nil {
			return err
		}
	}
	if code != 0 {
		return &exitError{code: code}
	}
	return nil
}

func list(w io.Writer) error {
	var b strings.Builder
	for _, ex := range catalog.All() {
		score, bonus := ex.MaxScore()
		fmt.Fprintf(&b, "%s  %s  (%d points, bonus %d)\n", ex.ID, ex.Title, score, bonus)
		for _, s := range ex.Scenarios {
			kind := ""
			if s.Bonus {
				kind = " (bonus)"
			}
			fmt.Fprintf(&b, "     %-24s %3d  %s%s\n", s.ID, s.Points, s.Title, kind)
		}
	}
	_, err := io.WriteString(w, b.String())
	return err
}

func colorOn(cfg config, w io.Writer) bool {
	if cfg.noColor || os.Getenv("NO_COLOR") != "" {
		return false
	}
	f, ok := w.(*os.File)
	return ok && isatty.IsTerminal(f.Fd())
}
