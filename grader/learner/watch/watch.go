// Package watch re-grades an exercise every time a .go file of the graded package is
// saved, keeping one restate-server running between runs so that a re-grade costs only
// the build and the scenarios, and says which criteria changed since the last run.
//
// Reusing the server is safe because each run gets a new seed, so its object keys are
// new too; a run that nevertheless touched a key an earlier run had used (1 in a few
// million per key) is detected with SQL and graded again on a fresh server. A fixed
// --seed repeats every key, so with one every run gets a fresh server, as it does for
// exercises with exclusive scenarios (they may restart the server, which the grader
// cannot do to a server it is merely given).
package watch

import (
	"context"
	"crypto/rand"
	"encoding/binary"
	"fmt"
	"io"
	"path/filepath"
	"regexp"
	"strings"
	"time"

	"idempotency/grader"
	"idempotency/grader/internal/admin"
	"idempotency/grader/runtime"

	"github.com/fsnotify/fsnotify"
)

// Options say what to watch and grade.
type Options struct {
	// Grade is passed to grader.Grade for each run; Dir must name the package to watch
	// (absolute, or relative to the working directory). Seed is ignored unless SeedSet.
	Grade   grader.Options
	SeedSet bool
	// Debounce is how long the files must stay quiet before a run (0 = 300 ms): an editor
	// saving several files, or writing one in steps, causes one run.
	Debounce time.Duration
	// Out receives each report (through Render) and what changed; Progress the short lines
	// about slow steps.
	Out, Progress io.Writer
	// Render writes a report (report.Text with the caller's colour choice).
	Render func(io.Writer, *grader.Report) error
	// OnReport is called after each run, e.g. to remember the learner's best score.
	OnReport func(*grader.Report, Change)
	// Copy, when set, makes the package each run builds: Grade.Dir is then a folder
	// outside the module (a learner's own repository), which is watched, and each run
	// grades a fresh copy of it inside the module; the report names Grade.Dir.
	Copy func() (dir string, cleanup func(), err error)
}

// Change is what differs between a run and the one before.
type Change struct {
	First          bool     // no run before
	NowPassing     []string // criterion titles
	NowFailing     []string
	ScoreBefore    int
	ScoreAfter     int
	StillFailingID string // first criterion still not passing, for the hint command
	NotJudged      bool   // the run could not judge (a compile error...): nothing to compare
}

// Run grades once, then again after every change, until ctx ends. It returns nil when
// ctx ends, having stopped everything it started.
func Run(ctx context.Context, ex grader.Exercise, opts Options) error {
	if opts.Debounce <= 0 {
		opts.Debounce = 300 * time.Millisecond
	}
	if opts.Progress == nil {
		opts.Progress = io.Discard
	}
	opts.Grade.Progress = opts.Progress
	dir, err := filepath.Abs(opts.Grade.Dir)
	if err != nil {
		return err
	}
	w, err := fsnotify.NewWatcher()
	if err != nil {
		return fmt.Errorf("watch %s: %w", dir, err)
	}
	defer w.Close()
	if err := w.Add(dir); err != nil {
		return fmt.Errorf("watch %s: %w", dir, err)
	}

	srv := &servers{ex: ex, cfg: opts.Grade.Runtime, progress: opts.Progress}
	srv.reuse = !opts.SeedSet && !hasExclusive(ex) && srv.cfg.Kind != runtime.External
	defer srv.stop()
	if !srv.reuse {
		why := "your --seed repeats every object key, so each run needs a fresh server"
		if hasExclusive(ex) {
			why = ex.ID + " has scenarios that restart restate-server, so each run starts its own"
		}
		if srv.cfg.Kind == runtime.External {
			why = "the server is yours"
		}
		fmt.Fprintf(opts.Progress, "watch: %s\n", why)
	}

	changed := make(chan string, 1)
	watchErr := make(chan error, 1)
	go forward(w, changed, watchErr)

	var last *grader.Report
	reason := "first run"
	for {
		rep, err := gradeOnce(ctx, ex, opts, srv, reason)
		if err != nil {
			return err
		}
		if rep != nil && ctx.Err() == nil {
			ch := diff(last, rep)
			if err := show(opts, rep, ch); err != nil {
				return err
			}
			if opts.OnReport != nil {
				opts.OnReport(rep, ch)
			}
			// A run that could not be judged (it does not compile, say) is no baseline:
			// the next run is compared with the last judged one.
			if rep.Error == "" {
				last = rep
			}
		}
		fmt.Fprintf(opts.Out, "watching %s for changes to .go files (Ctrl-C to stop)\n", relOrAbs(dir))
		select {
		case <-ctx.Done():
			return nil
		case err := <-watchErr:
			return fmt.Errorf("watch %s: %w", dir, err)
		case reason = <-changed:
		}
		// Debounce: wait until the files have been quiet for a while.
		quiet := time.NewTimer(opts.Debounce)
	settle:
		for {
			select {
			case <-ctx.Done():
				quiet.Stop()
				return nil
			case reason = <-changed:
				quiet.Reset(opts.Debounce)
			case <-quiet.C:
				break settle
			}
		}
	}
}

// forward turns file events into "name changed" notices, keeping only the latest when
// the loop is busy grading: one pending run covers any number of saves.
func forward(w *fsnotify.Watcher, changed chan string, errs chan<- error) {
	for {
		select {
		case ev, ok := <-w.Events:
			if !ok {
				return
			}
			if !strings.HasSuffix(ev.Name, ".go") || !ev.Has(fsnotify.Write|fsnotify.Create|fsnotify.Rename|fsnotify.Remove) {
				continue
			}
			msg := filepath.Base(ev.Name) + " changed"
			select {
			case changed <- msg:
			default:
				select { // replace the pending notice with the newer one
				case <-changed:
				default:
				}
				select {
				case changed <- msg:
				default:
				}
			}
		case err, ok := <-w.Errors:
			if !ok {
				return
			}
			select {
			case errs <- err:
			default:
			}
		}
	}
}

// gradeOnce runs one grading, on the kept server when there is one. A nil report means
// the run was interrupted.
func gradeOnce(ctx context.Context, ex grader.Exercise, opts Options, srv *servers, reason string) (*grader.Report, error) {
	fmt.Fprintf(opts.Progress, "%s: building and grading %s ...\n", reason, ex.ID)
	for attempt := 1; ; attempt++ {
		g := opts.Grade
		if !opts.SeedSet {
			g.Seed = newSeed()
		}
		if srv.reuse {
			if err := srv.ensure(ctx); err != nil {
				if ctx.Err() != nil {
					return nil, nil
				}
				return nil, err
			}
			g.Runtime = srv.external()
		}
		if opts.Copy != nil {
			staged, cleanup, err := opts.Copy()
			if err != nil {
				return nil, fmt.Errorf("copy %s into the module: %w", opts.Grade.Dir, err)
			}
			g.Dir = staged
			defer cleanup()
		}
		began := time.Now()
		rep := grader.Grade(ctx, ex, g)
		if ctx.Err() != nil {
			return nil, nil
		}
		if opts.Copy != nil {
			rep.Submission = opts.Grade.Dir
		}
		if srv.reuse && srv.server != nil {
			// Not "external": say which server it is, and that it stays up.
			rep.Runtime = srv.server.Kind().Describe() + ", kept running between runs"
		}
		if !srv.reuse || attempt > 1 {
			return rep, nil
		}
		reused, err := srv.reusedKeys(ctx, began)
		if err != nil || len(reused) == 0 {
			return rep, nil // a check that cannot run leaves the verdict as it is
		}
		fmt.Fprintf(opts.Progress, "watch: this run used object keys an earlier run had used (%s); grading again on a fresh restate-server\n",
			strings.Join(reused, ", "))
		srv.stop()
	}
}

func show(opts Options, rep *grader.Report, ch Change) error {
	if err := opts.Render(opts.Out, rep); err != nil {
		return err
	}
	var b strings.Builder
	if s := ch.String(); s != "" {
		b.WriteString(s + "\n")
	}
	if ch.StillFailingID != "" {
		fmt.Fprintf(&b, "More help, one level at a time: go run ./cmd/grade hint %s %s\n", rep.Exercise, ch.StillFailingID)
	}
	_, err := io.WriteString(opts.Out, b.String())
	return err
}

// servers keeps the one restate-server of a watch session.
type servers struct {
	ex       grader.Exercise
	cfg      runtime.Config
	progress io.Writer
	reuse    bool
	server   runtime.Server
}

func (s *servers) ensure(ctx context.Context) error {
	if s.server != nil {
		return nil
	}
	cfg := s.cfg
	cfg.ForcedReplay = cfg.ForcedReplay || s.ex.ForcedReplay
	if cfg.Progress == nil {
		cfg.Progress = s.progress
	}
	fmt.Fprintln(s.progress, "watch: starting restate-server (kept running between runs) ...")
	began := time.Now()
	srv, err := runtime.Start(ctx, cfg)
	if err != nil {
		return fmt.Errorf("start restate-server: %w", err)
	}
	fmt.Fprintf(s.progress, "watch: restate-server (%s) ready in %s\n", srv.Kind().Describe(), time.Since(began).Round(10*time.Millisecond))
	s.server = srv
	return nil
}

func (s *servers) external() runtime.Config {
	return runtime.Config{Kind: runtime.External, IngressURL: s.server.IngressURL(), AdminURL: s.server.AdminURL(), Progress: io.Discard}
}

func (s *servers) stop() {
	if s.server != nil {
		_ = s.server.Stop()
		s.server = nil
	}
}

// newKeyShape matches the object keys grader.Env.NewKey makes ("ord-1a2b-3c4d5e"), so
// that fixed keys such as the warm-up's, which every run uses on purpose, are not
// mistaken for a collision.
var newKeyShape = regexp.MustCompile(`-[0-9a-f]{4}-[0-9a-f]{6}`)

// reusedKeys lists the object keys and idempotency keys that invocations since began
// share with invocations before it.
func (s *servers) reusedKeys(ctx context.Context, began time.Time) ([]string, error) {
	ctx, cancel := context.WithTimeout(ctx, 10*time.Second)
	defer cancel()
	ts := began.UTC().Add(-time.Millisecond).Format("2006-01-02T15:04:05.000Z")
	var rows []struct {
		Service string `json:"target_service_name"`
		Key     string `json:"k"`
	}
	// The object key when there is one, else the idempotency key (plain services).
	// Restate fills idempotency_key for some calls sent without one, with a value of its
	// own; those never repeat, so they do no harm.
	key := `CASE WHEN coalesce(target_service_key, '') <> '' THEN target_service_key ELSE coalesce(idempotency_key, '') END`
	q := fmt.Sprintf(`SELECT DISTINCT n.target_service_name, n.k FROM
  (SELECT target_service_name, %[2]s AS k FROM sys_invocation WHERE created_at >= '%[1]s') n
  JOIN
  (SELECT target_service_name, %[2]s AS k FROM sys_invocation WHERE created_at < '%[1]s') o
  ON n.target_service_name = o.target_service_name AND n.k = o.k`, ts, key)
	if err := admin.New(s.server.AdminURL()).Query(ctx, q, &rows); err != nil {
		return nil, err
	}
	var out []string
	for _, r := range rows {
		if newKeyShape.MatchString(r.Key) {
			out = append(out, r.Service+"/"+r.Key)
		}
	}
	return out, nil
}

func hasExclusive(ex grader.Exercise) bool {
	for _, s := range ex.Scenarios {
		if s.Exclusive {
			return true
		}
	}
	return false
}

// diff compares a run with the one before.
func diff(before, after *grader.Report) Change {
	ch := Change{First: before == nil, ScoreAfter: after.Score, NotJudged: after.Error != ""}
	if ch.NotJudged {
		return ch
	}
	prev := map[string]grader.Status{}
	if before != nil {
		ch.ScoreBefore = before.Score
		for _, c := range before.Criteria {
			prev[c.ID] = c.Status
		}
	}
	for _, c := range after.Criteria {
		was, seen := prev[c.ID]
		switch {
		case c.Status == grader.StatusPass && seen && was != grader.StatusPass:
			ch.NowPassing = append(ch.NowPassing, c.Title)
		case c.Status != grader.StatusPass && seen && was == grader.StatusPass:
			ch.NowFailing = append(ch.NowFailing, c.Title)
		}
		if c.Status != grader.StatusPass && ch.StillFailingID == "" && !c.Bonus {
			ch.StillFailingID = c.ID
		}
	}
	return ch
}

// String says what changed, in one or a few lines.
func (c Change) String() string {
	if c.NotJudged {
		return "This run could not judge your code (see above); the next run is compared with the last one that could."
	}
	if c.First {
		return ""
	}
	var b strings.Builder
	fmt.Fprintf(&b, "Since the last run: score %d -> %d", c.ScoreBefore, c.ScoreAfter)
	if len(c.NowPassing) == 0 && len(c.NowFailing) == 0 {
		b.WriteString(", no criterion changed")
	}
	b.WriteString("\n")
	for _, t := range c.NowPassing {
		fmt.Fprintf(&b, "  + now passing: %s\n", t)
	}
	for _, t := range c.NowFailing {
		fmt.Fprintf(&b, "  - now failing: %s\n", t)
	}
	return strings.TrimRight(b.String(), "\n")
}

func newSeed() uint64 {
	var b [8]byte
	_, _ = rand.Read(b[:])
	return binary.LittleEndian.Uint64(b[:]) % 1_000_000_000
}

func relOrAbs(dir string) string {
	if wd, err := filepath.Abs("."); err == nil {
		if rel, err := filepath.Rel(wd, dir); err == nil && !strings.HasPrefix(rel, "..") {
			return rel
		}
	}
	return dir
}
