package main

import (
	"context"
	"crypto/rand"
	"encoding/binary"
	"fmt"
	"io"
	"os"
	"strings"

	"idempotency/grader"
	"idempotency/grader/catalog"
	"idempotency/grader/overlay"
	"idempotency/grader/report"
	rt "idempotency/grader/runtime"
)

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
	html       string // also write the report as an HTML page here
	noColor    bool
	runtime    rt.Kind
	restateURL string
	adminURL   string
	image      string
}

func run(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	if len(args) == 0 {
		return progressCmd(ctx, nil, stdout, stderr)
	}
	switch args[0] {
	case "help":
		return helpCmd(ctx, args[1:], stdout, stderr)
	case "-h", "-help", "--help":
		return helpCmd(ctx, nil, stdout, stderr)
	}
	if c, ok := lookupCommand(args[0]); ok && c.name != gradeName && c.name != "all" {
		return c.run(ctx, args[1:], stdout, stderr)
	}
	return gradeCmd(ctx, args, stdout, stderr)
}

// gradeCmd is `grade ex1 [flags]` and `grade all [flags]`.
func gradeCmd(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	cfg, positional, err := parseArgs(args, stdout)
	if err != nil {
		return err
	}
	if len(positional) != 1 {
		return usageErr("", "name one exercise (%s), all, or a command", exerciseRange())
	}
	var exs []grader.Exercise
	switch cmd := positional[0]; cmd {
	case "all":
		if cfg.dir != "" {
			return usageErr("", "--dir names one exercise's package; use it with %s", exerciseRange())
		}
		if cfg.html != "" {
			return usageErr("", "--html writes one exercise's report; use it with %s", exerciseRange())
		}
		exs = catalog.All()
	default:
		if c, isCmd := lookupCommand(cmd); isCmd && c.name != gradeName {
			return usageErr("", "put %q first: go run ./cmd/grade %s ...", cmd, cmd)
		}
		ex, ok := catalog.Lookup(cmd)
		if !ok {
			return usageErr("", "unknown exercise or command %q (try: go run ./cmd/grade list)", cmd)
		}
		exs = []grader.Exercise{ex}
	}
	if platformErr := unsupportedPlatform(cfg.runtime); platformErr != nil {
		return platformErr
	}
	root, err := moduleRoot("")
	if err != nil {
		return err
	}
	defer beginWork(ctx, stderr)()
	return gradeMany(ctx, exs, root, cfg, stdout, stderr)
}

// parseArgs reads the grading flags (before and after the command word) and checks
// them, so that a mistake costs one line and nothing is built.
func parseArgs(args []string, stdout io.Writer) (config, []string, error) {
	var cfg config
	fs := newFlagSet("grade")
	fs.BoolVar(&cfg.solution, "solution", false, "grade the reference solution instead of your exercise")
	fs.StringVar(&cfg.dir, "dir", "", "grade this folder instead (anywhere: its *.go files are copied into the module), or a .txtar overlay on the solution")
	seed := fs.Uint64("seed", 0, "seed for every generated input (default: a new one, printed in the report)")
	fs.StringVar(&cfg.format, "format", "text", "report format: text or json")
	fs.StringVar(&cfg.html, "html", "", "also write the report, with each failure's timeline, as one self-contained HTML page to this file")
	fs.BoolVar(&cfg.noColor, "no-color", false, "no colours (also: NO_COLOR=1)")
	kind := fs.String("runtime", "auto", "restate-server: auto, native, container or external")
	fs.StringVar(&cfg.restateURL, "restate-url", "", "ingress URL of a restate-server you run (implies --runtime external)")
	fs.StringVar(&cfg.adminURL, "admin-url", "", "admin URL of a restate-server you run")
	fs.StringVar(&cfg.image, "image", "", "container image of restate-server, pulled when missing (default "+rt.DefaultImage+")")

	positional, err := parseFlags(gradeName, fs, args, stdout)
	if err != nil {
		return cfg, nil, err
	}
	if flagSet(fs, "seed") {
		cfg.seed, cfg.seedSet = *seed, true
	}
	if cfg.format != "text" && cfg.format != "json" {
		return cfg, nil, usageErr("", "--format must be text or json, not %q", cfg.format)
	}
	if cfg.solution && cfg.dir != "" {
		return cfg, nil, usageErr("", "use --solution or --dir, not both")
	}
	if err := checkHTMLPath(cfg.html); err != nil {
		return cfg, nil, err
	}
	if cfg.runtime, err = checkRuntime("", *kind, rt.Kinds...); err != nil {
		return cfg, nil, err
	}
	external := cfg.restateURL != "" || cfg.adminURL != ""
	switch {
	case external && (cfg.restateURL == "" || cfg.adminURL == ""):
		return cfg, nil, usageErr("", "--restate-url and --admin-url go together")
	case external && flagSet(fs, "runtime") && cfg.runtime != rt.External:
		return cfg, nil, usageErr("", "--restate-url and --admin-url use a server you run: not with --runtime %s", cfg.runtime)
	case external:
		cfg.runtime = rt.External
	case cfg.runtime == rt.External:
		return cfg, nil, usageErr("", "--runtime external needs --restate-url and --admin-url")
	}
	if err := checkImage("", cfg.runtime, cfg.image); err != nil {
		return cfg, nil, err
	}
	if cfg.dir != "" {
		if err := checkDir("", cfg.dir, true); err != nil {
			return cfg, nil, err
		}
	}
	if !cfg.seedSet {
		var b [8]byte
		_, _ = rand.Read(b[:])
		cfg.seed = binary.LittleEndian.Uint64(b[:]) % 1_000_000_000
	}
	return cfg, positional, nil
}

// allAtOnce is how many exercises `grade all` grades at the same time: each is its own
// build, restate-server and service, and most of a grading is waiting on timers and
// retries, so three overlap well on two cores.
const allAtOnce = 3

// gradeMany grades exs (one, or every exercise for `grade all`) and prints their
// reports in order. Exercises run concurrently, each still its own processes, except on
// an external server, which they would share.
func gradeMany(ctx context.Context, exs []grader.Exercise, root string, cfg config, stdout, stderr io.Writer) error {
	type job struct {
		ex   grader.Exercise
		opts grader.Options
		own  bool // the learner's own work: remembered in their progress
		rep  *grader.Report
		done chan struct{}
	}
	progress := &lineWriter{w: stderr}
	var jobs []*job
	for _, ex := range exs {
		out := io.Writer(progress)
		if len(exs) > 1 {
			out = progress.prefixed(ex.ID + ": ")
		}
		opts := grader.Options{
			Root:     root,
			Seed:     cfg.seed,
			Progress: out,
			Runtime: rt.Config{
				Kind: cfg.runtime, Image: cfg.image,
				IngressURL: cfg.restateURL, AdminURL: cfg.adminURL,
				Progress: out,
			},
		}
		// Yours: the stub folder, or a folder of your own outside the module.
		own := !cfg.solution && cfg.dir == ""
		switch {
		case cfg.dir != "" && !overlay.Is(cfg.dir) && outside(root, cfg.dir):
			staged, cleanup, err := stage(root, cfg.dir, ex.ID)
			if err != nil {
				return &exitError{code: grader.ExitNoJudge, msg: "grade: " + err.Error()}
			}
			defer cleanup()
			fmt.Fprintf(stderr, "%s is outside this module: grading a copy of its .go files (%s)\n", cfg.dir, relTo(root, staged))
			opts.Dir, own = staged, true
		case cfg.dir != "":
			opts.Dir = cfg.dir
		case cfg.solution:
			opts.Dir = ex.Solution
		}
		jobs = append(jobs, &job{ex: ex, opts: opts, own: own, done: make(chan struct{})})
	}

	slots := make(chan struct{}, allAtOnce)
	if cfg.runtime == rt.External {
		slots = make(chan struct{}, 1)
	}
	go func() { // started in the catalogue's order, as slots free up
		for _, j := range jobs {
			slots <- struct{}{}
			go func() {
				defer close(j.done)
				defer func() { <-slots }()
				if cfg.format == "text" {
					fmt.Fprintf(progress, "grading %s ...\n", j.ex.ID)
				}
				j.rep = grader.Grade(ctx, j.ex, j.opts)
			}()
		}
	}()

	// Reports come out in the catalogue's order, each as soon as it and those before it
	// are done; every grading is waited for, so nothing outlives this function.
	var reports []*grader.Report
	code := grader.ExitPass
	var printErr error
	for _, j := range jobs {
		<-j.done
		rep := j.rep
		if j.own && cfg.dir != "" {
			rep.Submission = absPath(cfg.dir) // not the copy: the replay command names it
		}
		recordProgress(j.ex, j.own, rep, stderr)
		reports = append(reports, rep)
		code = max(code, rep.ExitCode())
		if cfg.format != "text" || printErr != nil {
			continue
		}
		progress.Lock()
		o := report.TextOptions{Color: colorOn(cfg, stdout), Width: termWidth(stdout)}
		printErr = report.TextWith(stdout, rep, o)
		if len(exs) > 1 {
			fmt.Fprintln(stdout)
		}
		progress.Unlock()
	}
	if printErr != nil {
		return printErr
	}
	if cfg.html != "" && len(reports) == 1 {
		if err := writeHTML(cfg.html, reports[0]); err != nil {
			return err
		}
		fmt.Fprintf(stderr, "report written to %s\n", cfg.html)
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

// listCmd is `grade list`.
func listCmd(_ context.Context, args []string, stdout, _ io.Writer) error {
	positional, err := parseFlags("list", newFlagSet("list"), args, stdout)
	if err != nil {
		return err
	}
	if len(positional) > 0 {
		return usageErr("list", "takes no arguments")
	}
	return list(stdout)
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
	return isTerminal(w)
}
