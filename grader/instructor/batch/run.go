package batch

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"runtime"
	"strconv"
	"sync"
	"time"

	"idempotency/grader"
	"idempotency/grader/instructor/classreport"
	"idempotency/grader/instructor/compare"
	rt "idempotency/grader/runtime"
	"idempotency/grader/submission"
)

// Options say how to grade a class.
type Options struct {
	// Root is the grader's module root: submissions are copied into it and graded with
	// its contract, fixtures and scenarios.
	Root      string
	Exercises []grader.Exercise
	// Seed is the instructor's seed, the same for every submission.
	Seed uint64
	// Workers grade at once, each with its own restate-server (0 = DefaultWorkers).
	Workers int
	// Deadline bounds one exercise of one submission (0 = DefaultDeadline).
	Deadline time.Duration
	// Limits confine every submission's service (nil = none).
	Limits  *submission.Limits
	Runtime rt.Config
	// Compare also grades each reference solution with the same seed and records, per
	// submission, where its observations differ.
	Compare bool
	// Progress receives one line per graded exercise (nil = discard).
	Progress io.Writer
}

// DefaultDeadline bounds one exercise of one submission: the slowest exercise takes
// well under a minute; a submission that hangs every scenario still ends.
const DefaultDeadline = 5 * time.Minute

// ScratchDir is where submissions are copied, inside the module, under its root.
const ScratchDir = ".grade/batch"

type job struct {
	learner int // -1: the reference solution
	ex      int
	sub     Submission
}

// DefaultWorkers is two gradings per core: a grading spends much of its time waiting
// (retry back-off, timers, TTLs), and on 2 cores 4 workers graded the 30-submission
// benchmark class in 6.6 min with 1.1 GiB peak, against 8.4-12.4 min with 2.
func DefaultWorkers() int { return 2 * runtime.NumCPU() }

// Run grades every exercise of every submission and returns the class report. It keeps
// going whatever a submission does; it returns an error only when it cannot grade at
// all (the scratch folder cannot be made) or ctx ends.
func Run(ctx context.Context, subs []Submission, opts Options) (*classreport.Class, error) {
	start := time.Now()
	if opts.Workers < 1 {
		opts.Workers = DefaultWorkers()
	}
	if opts.Deadline <= 0 {
		opts.Deadline = DefaultDeadline
	}
	if opts.Progress == nil {
		opts.Progress = io.Discard
	}
	runDir := filepath.Join(opts.Root, ScratchDir, strconv.Itoa(os.Getpid())+"-"+strconv.FormatInt(start.UnixNano(), 36))
	if err := os.MkdirAll(runDir, 0o755); err != nil {
		return nil, fmt.Errorf("scratch folder: %w", err)
	}
	defer os.RemoveAll(runDir)

	class := classreport.New(opts.Seed, opts.Exercises)
	class.Learners = make([]classreport.Learner, len(subs))
	for i, s := range subs {
		class.Learners[i] = classreport.Learner{Name: s.Learner, Results: make([]classreport.Result, len(opts.Exercises))}
	}
	var jobs []job
	if opts.Compare {
		class.Reference = map[string]*grader.Report{}
		for j := range opts.Exercises {
			jobs = append(jobs, job{learner: -1, ex: j})
		}
	}
	for i, s := range subs {
		for j := range opts.Exercises {
			jobs = append(jobs, job{learner: i, ex: j, sub: s})
		}
	}

	prog := &progress{w: opts.Progress, total: len(jobs), start: start}
	queue := make(chan job)
	var mu sync.Mutex
	var wg sync.WaitGroup
	for range min(opts.Workers, max(len(jobs), 1)) {
		wg.Go(func() {
			for jb := range queue {
				ex := opts.Exercises[jb.ex]
				if jb.learner < 0 {
					rep := gradeDir(ctx, ex, filepath.Join(opts.Root, ex.Solution), opts)
					mu.Lock()
					class.Reference[ex.ID] = rep
					mu.Unlock()
					prog.done("reference", ex.ID, classreport.Result{Exercise: ex.ID, Report: rep})
					continue
				}
				res := gradeOne(ctx, jb, ex, runDir, opts)
				mu.Lock()
				class.Learners[jb.learner].Results[jb.ex] = res
				mu.Unlock()
				prog.done(jb.sub.Learner, ex.ID, res)
			}
		})
	}
	// The references go first in the queue; the diffs are made once every job is done.
feed:
	for _, jb := range jobs {
		select {
		case queue <- jb:
		case <-ctx.Done():
			break feed
		}
	}
	close(queue)
	wg.Wait()
	if err := ctx.Err(); err != nil {
		return nil, fmt.Errorf("batch interrupted after %d of %d: %w", prog.n, prog.total, err)
	}
	if opts.Compare {
		for i := range class.Learners {
			for j := range class.Learners[i].Results {
				r := &class.Learners[i].Results[j]
				if !r.Missing {
					r.Diff = compare.Reports(r.Report, class.Reference[r.Exercise])
				}
			}
		}
	}
	class.DurationMS = time.Since(start).Milliseconds()
	return class, nil
}

// gradeOne copies one exercise of one submission into the module and grades it.
func gradeOne(ctx context.Context, jb job, ex grader.Exercise, runDir string, opts Options) classreport.Result {
	res := classreport.Result{Exercise: ex.ID}
	src, ok := jb.sub.ExerciseDir(ex.ID)
	if !ok {
		res.Missing = true
		res.Report = missingReport(ex, opts.Seed)
		return res
	}
	learnerDir := filepath.Join(runDir, packageName(jb.learner, jb.sub.Learner))
	dst := filepath.Join(learnerDir, ex.ID)
	defer os.RemoveAll(dst)
	if _, err := copySource(src, dst); err != nil {
		res.Report = errorReport(ex, opts.Seed, fmt.Sprintf("copy the submission's %s: %v", ex.ID, err))
		return res
	}
	res.Report = gradeDir(ctx, ex, dst, opts)
	res.Report.Submission = filepath.ToSlash(filepath.Join(jb.sub.Learner, ex.ID))
	return res
}

func gradeDir(ctx context.Context, ex grader.Exercise, dir string, opts Options) *grader.Report {
	jctx, cancel := context.WithTimeout(ctx, opts.Deadline)
	defer cancel()
	rep := grader.Grade(jctx, ex, grader.Options{
		Dir: dir, Root: opts.Root, Seed: opts.Seed, Runtime: opts.Runtime, Limits: opts.Limits,
	})
	if errors.Is(jctx.Err(), context.DeadlineExceeded) && ctx.Err() == nil {
		msg := fmt.Sprintf("the submission did not finish within the deadline of %s", opts.Deadline)
		if rep.Error == "" {
			rep.Error = msg
		}
		for i := range rep.Criteria {
			if rep.Criteria[i].Status == "" {
				rep.Criteria[i].Status, rep.Criteria[i].Evidence = grader.StatusError, msg
			}
		}
	}
	return rep
}

// missingReport fails every criterion of an exercise the submission does not have.
func missingReport(ex grader.Exercise, seed uint64) *grader.Report {
	rep := emptyReport(ex, seed)
	for i := range rep.Criteria {
		rep.Criteria[i].Status = grader.StatusFail
		rep.Criteria[i].Evidence = "the submission has no exercises/" + ex.ID + " folder"
	}
	return rep
}

// errorReport says the grader could not judge an exercise at all.
func errorReport(ex grader.Exercise, seed uint64, msg string) *grader.Report {
	rep := emptyReport(ex, seed)
	rep.Error = msg
	for i := range rep.Criteria {
		rep.Criteria[i].Status = grader.StatusError
		rep.Criteria[i].Evidence = msg
	}
	return rep
}

func emptyReport(ex grader.Exercise, seed uint64) *grader.Report {
	rep := &grader.Report{Exercise: ex.ID, Title: ex.Title, Seed: seed}
	rep.MaxScore, rep.BonusMax = ex.MaxScore()
	for _, s := range ex.Scenarios {
		rep.Criteria = append(rep.Criteria, grader.CriterionResult{ID: s.ID, Title: s.Title, MaxPoints: s.Points, Bonus: s.Bonus, Hint: s.Hint})
	}
	return rep
}

// progress prints done/total, failures so far and the time left, one line per job.
type progress struct {
	mu       sync.Mutex
	w        io.Writer
	n, total int
	failures int
	start    time.Time
}

func (p *progress) done(who, ex string, r classreport.Result) {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.n++
	st := r.Status()
	if st != "pass" {
		p.failures++
	}
	elapsed := time.Since(p.start)
	left := time.Duration(float64(elapsed) / float64(p.n) * float64(p.total-p.n)).Round(time.Second)
	score := ""
	if r.Report != nil {
		score = fmt.Sprintf(" %d/%d", r.Report.Score, r.Report.MaxScore)
	}
	fmt.Fprintf(p.w, "[%d/%d] %s %s:%s %s | not full marks so far: %d | about %s left\n",
		p.n, p.total, who, ex, score, st, p.failures, left)
}
