package mutate

import (
	"context"
	"errors"
	"fmt"
	"path/filepath"
	"strings"
	"sync"
	"time"

	"idempotency/grader"
	"idempotency/grader/runtime"
	"idempotency/grader/submission"
)

// Status is what grading a mutant found.
type Status string

// The outcomes of a mutant. Dropped is a mutant that type-checked but did not build.
const (
	Killed   Status = "killed"   // some criterion failed
	Survived Status = "survived" // full marks, bonus included
	Errored  Status = "error"    // none failed, some could not be judged (or the grading timed out)
	Dropped  Status = "dropped"  // go build refused it
	// NotGraded is a mutant the run was interrupted before or while grading: left out
	// of every count, so that an interrupted run still reports what it graded.
	NotGraded Status = "not-graded"
)

// Job is one mutant to grade against its exercise.
type Job struct {
	Exercise grader.Exercise
	Mutant   *Mutant
}

// Result is a graded mutant.
type Result struct {
	Mutant *Mutant
	Status Status
	// Failed lists the criteria that failed (killed); Errors those that could not be
	// judged, with Detail the report's reason.
	Failed []string
	Errors []string
	Detail string
	// Evidence is, per failed criterion, "criterion: what the grader observed": why the
	// mutant counts as killed, to tell a real kill from a run disturbed by load.
	Evidence []string
	Duration time.Duration
}

// Options say how to grade mutants.
type Options struct {
	Root    string
	Seed    uint64
	Workers int           // gradings at once (< 1: one)
	Timeout time.Duration // per mutant (0: DefaultTimeout)
	Runtime runtime.Config
	Limits  *submission.Limits
	// Retries grades a mutant again when the grader could not judge it (a server that
	// was slow to start on a loaded machine), up to this many times.
	Retries int
	// Done is called after each grading, for progress.
	Done func(done, total int, r Result)
}

// DefaultTimeout bounds one mutant's grading: the slowest exercise grades in well under
// a minute; a mutant that makes every scenario wait still ends.
const DefaultTimeout = 4 * time.Minute

// Run grades every job, Workers at a time, each mutant as an overlay on its
// exercise's reference solution, and returns the results in job order.
func Run(ctx context.Context, jobs []Job, opts Options) []Result {
	if opts.Workers < 1 {
		opts.Workers = 1
	}
	if opts.Timeout <= 0 {
		opts.Timeout = DefaultTimeout
	}
	results := make([]Result, len(jobs))
	queue := make(chan int)
	var mu sync.Mutex
	done := 0
	var wg sync.WaitGroup
	for range min(opts.Workers, max(len(jobs), 1)) {
		wg.Go(func() {
			for i := range queue {
				results[i] = grade(ctx, jobs[i], opts)
				for try := 0; try < opts.Retries && results[i].Status == Errored && ctx.Err() == nil; try++ {
					results[i] = grade(ctx, jobs[i], opts)
				}
				mu.Lock()
				done++
				if opts.Done != nil {
					opts.Done(done, len(jobs), results[i])
				}
				mu.Unlock()
			}
		})
	}
	for i := range jobs {
		if ctx.Err() != nil {
			results[i] = Result{Mutant: jobs[i].Mutant, Status: NotGraded, Detail: ctx.Err().Error()}
			continue
		}
		queue <- i
	}
	close(queue)
	wg.Wait()
	return results
}

func grade(ctx context.Context, jb Job, opts Options) Result {
	start := time.Now()
	gctx, cancel := context.WithTimeout(ctx, opts.Timeout)
	defer cancel()
	rep := grader.Grade(gctx, jb.Exercise, grader.Options{
		Dir:     filepath.Join(opts.Root, jb.Exercise.Solution),
		Root:    opts.Root,
		Seed:    opts.Seed,
		Runtime: opts.Runtime,
		Limits:  opts.Limits,
		Overlay: jb.Mutant.Archive(),
	})
	r := classify(jb.Mutant, rep)
	r.Duration = time.Since(start)
	if ctx.Err() != nil {
		r.Status, r.Detail = NotGraded, ctx.Err().Error()
	}
	if r.Status == Errored && errors.Is(gctx.Err(), context.DeadlineExceeded) && ctx.Err() == nil {
		r.Detail = fmt.Sprintf("timed out after %s; %s", opts.Timeout, r.Detail)
	}
	return r
}

// classify turns a report into a mutant's status.
func classify(m *Mutant, rep *grader.Report) Result {
	r := Result{Mutant: m, Detail: rep.Error}
	if strings.HasPrefix(rep.Error, grader.DoesNotCompile) {
		r.Status = Dropped
		return r
	}
	for _, c := range rep.Criteria {
		switch c.Status {
		case grader.StatusError:
			r.Errors = append(r.Errors, c.ID)
			if r.Detail == "" {
				r.Detail = c.Evidence
			}
		case grader.StatusFail:
			r.Failed = append(r.Failed, c.ID)
			observed := c.Observed
			if observed == "" {
				observed = c.Evidence
			}
			r.Evidence = append(r.Evidence, c.ID+": "+firstLines(observed, 3))
		}
	}
	// A failed criterion is a kill even when another could not be judged: the fault was
	// seen. The errors stay in the result, for the report.
	switch {
	case len(r.Failed) > 0:
		r.Status = Killed
	case len(r.Errors) > 0:
		r.Status = Errored
	default:
		r.Status = Survived
	}
	return r
}
