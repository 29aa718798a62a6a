package selftest

import (
	"context"
	"path/filepath"
	"sync"

	"idempotency/grader"
	"idempotency/grader/runtime"
	"idempotency/grader/submission"
)

// Kind says what a case is graded as.
type Kind string

// The three kinds of submission the self-test grades.
const (
	Solution Kind = "solution"
	Stub     Kind = "stub"
	Copy     Kind = "broken"
)

// Case is one submission to grade and what its verdicts must be.
type Case struct {
	Exercise grader.Exercise
	Kind     Kind
	Name     string
	Dir      string
	Broken   Broken // for Copy
}

// Expected is the status a criterion must get in this case.
func (c Case) Expected(criterion string) grader.Status {
	switch c.Kind {
	case Solution:
		return grader.StatusPass
	case Stub:
		return grader.StatusFail
	}
	if c.Broken.Error {
		return grader.StatusError
	}
	for _, id := range c.Broken.Lose {
		if id == criterion {
			return grader.StatusFail
		}
	}
	return grader.StatusPass
}

// Cases lists, per exercise, the solution, the stub and every broken copy.
func Cases(root string, exs []grader.Exercise) ([]Case, error) {
	var out []Case
	for _, ex := range exs {
		out = append(out,
			Case{Exercise: ex, Kind: Solution, Name: "solution", Dir: ex.Solution},
			Case{Exercise: ex, Kind: Stub, Name: "stub", Dir: ex.Stub})
		broken, err := LoadBroken(root, ex.ID)
		if err != nil {
			return nil, err
		}
		for _, b := range broken {
			out = append(out, Case{Exercise: ex, Kind: Copy, Name: b.Name, Dir: b.Dir, Broken: b})
		}
	}
	return out, nil
}

// Result is a graded case.
type Result struct {
	Case   Case
	Seed   uint64
	Report *grader.Report
}

// Options configure a self-test run.
type Options struct {
	Root string
	// Seeds: every case is graded once with each (at least one).
	Seeds   []uint64
	Workers int
	Runtime runtime.Config
	// Limits confine each submission's service as a batch does (nil = none).
	Limits *submission.Limits
	// Done is called after each grading, for progress.
	Done func(done, total int, r Result)
}

// Run grades every case with every seed, Workers at a time, and returns the results
// seed by seed, in case order.
func Run(ctx context.Context, cases []Case, opts Options) []Result {
	if opts.Workers < 1 {
		opts.Workers = 1
	}
	results := make([]Result, len(cases)*len(opts.Seeds))
	sem := make(chan struct{}, opts.Workers)
	var mu sync.Mutex
	done := 0
	var wg sync.WaitGroup
	for k, seed := range opts.Seeds {
		for i, c := range cases {
			n := k*len(cases) + i
			wg.Go(func() {
				sem <- struct{}{}
				defer func() { <-sem }()
				rep := grader.Grade(ctx, c.Exercise, grader.Options{
					Dir: filepath.Join(opts.Root, c.Dir), Root: opts.Root, Seed: seed, Runtime: opts.Runtime, Limits: opts.Limits,
				})
				results[n] = Result{Case: c, Seed: seed, Report: rep}
				mu.Lock()
				done++
				if opts.Done != nil {
					opts.Done(done, len(results), results[n])
				}
				mu.Unlock()
			})
		}
	}
	wg.Wait()
	return results
}
