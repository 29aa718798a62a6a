package grader

import (
	"context"
	"errors"
	"fmt"
	"io"
	"strings"
	"time"

	"idempotency/grader/overlay"
	"idempotency/grader/runtime"
	"idempotency/grader/submission"

	"github.com/restatedev/sdk-go/ingress"
)

// Options say what to grade and how.
type Options struct {
	// Dir is the package to grade (absolute, or relative to the working directory).
	// Empty means the exercise's stub.
	Dir string
	// Root is the module root; found from the working directory when empty.
	Root string
	// Seed makes every generated input of the run; the report prints it.
	Seed uint64
	// Runtime chooses and configures restate-server.
	Runtime runtime.Config
	// Progress receives short lines about slow steps (nil = discard).
	Progress io.Writer
	// Limits confine the submission's service (nil = none): for untrusted code.
	Limits *submission.Limits
	// Overlay replaces files of Dir before the build (nil = none): a mutant. A Dir that
	// names an overlay archive (NAME.txtar) is applied to the reference solution.
	Overlay *overlay.Archive
}

// Grade grades one exercise and returns its report. It never returns without having
// stopped everything it started.
func Grade(ctx context.Context, ex Exercise, opts Options) *Report {
	start := time.Now()
	if opts.Progress == nil {
		opts.Progress = io.Discard
	}
	tg, err := resolve(ex, opts)
	rep := newReport(ex, tg.label, opts.Seed)
	if err != nil {
		rep.Error = err.Error()
		rep.judgeAll(StatusError, err.Error())
		rep.total(start)
		return rep
	}
	h := &harness{ex: ex, opts: opts, target: tg, rep: rep}
	defer h.close()
	if err := h.setup(ctx); err != nil {
		var f *Failure
		if errors.As(err, &f) {
			rep.Error = "the submission did not register as the contract expects"
			rep.judgeAll(StatusFail, f.Evidence())
		} else {
			rep.Error = err.Error()
			rep.judgeAll(StatusError, err.Error())
		}
		rep.total(start)
		return rep
	}
	t := time.Now()
	h.runScenarios(ctx)
	rep.Timings.Scenarios = time.Since(t).Milliseconds()
	rep.total(start)
	return rep
}

// harness is one run's shared world: the stack (server, world, service, proxy) and
// what the scenarios are given.
type harness struct {
	ex     Exercise
	opts   Options
	target target
	rep    *Report

	*stack
	reg  Registration
	base Env
}

func (h *harness) setup(ctx context.Context) error {
	st, err := startStack(ctx, h.ex, h.opts, h.target, &h.rep.Timings)
	if err != nil {
		return err
	}
	h.stack = st
	h.rep.Runtime = string(h.server.Kind())
	h.reg = CheckRegistration(h.ex, h.deployment)
	h.base = Env{
		Ingress: ingress.NewClient(h.server.IngressURL()),
		Admin:   h.admin,
		Proxy:   h.proxy,
		Server:  h.server,
		Service: h.service,
		World:   h.world,

		Registration: h.reg,
	}
	if h.ex.WarmUp != nil {
		// The warm-up only pays the SDK's first-call cost; with handlers missing it may
		// call one of them, and the criteria that need it fail on their own.
		wctx, cancel := context.WithTimeout(ctx, startTimeout)
		defer cancel()
		t := time.Now()
		err := h.warmUp(wctx)
		h.rep.Timings.Service += time.Since(t).Milliseconds()
		if err != nil && h.reg.Complete() {
			return fmt.Errorf("warm-up call: %w", err)
		}
	}
	return nil
}

func describeServices(m map[string][]string) string {
	var parts []string
	for _, svc := range sortedKeys(m) {
		parts = append(parts, svc+"{"+strings.Join(m[svc], ", ")+"}")
	}
	return strings.Join(parts, "; ")
}

// runScenarios runs the scenarios concurrently, then the exclusive ones one at a time,
// and records each verdict. A scenario that calls a handler the submission did not
// register fails at once, with the registration explained; the others are graded.
func (h *harness) runScenarios(ctx context.Context) {
	var shared, exclusive []int
	for i, s := range h.ex.Scenarios {
		if f := h.reg.Failure(h.ex.needs(s)); f != nil {
			h.record(i, CriterionResult{Status: StatusFail, Sent: f.Sent, Expected: f.Expected, Observed: f.Observed, Hint: f.Hint, Evidence: f.Evidence()})
			continue
		}
		if s.Exclusive {
			exclusive = append(exclusive, i)
		} else {
			shared = append(shared, i)
		}
	}
	h.runPhase(ctx, shared)
	for _, i := range exclusive {
		h.runPhase(ctx, []int{i})
	}
}

func (h *harness) record(i int, res CriterionResult) {
	c := &h.rep.Criteria[i]
	c.Status, c.Evidence, c.Checked = res.Status, res.Evidence, res.Checked
	c.Sent, c.Expected, c.Observed = res.Sent, res.Expected, res.Observed
	c.Timeline, c.DurationMS = res.Timeline, res.DurationMS
	if res.Hint != "" {
		c.Hint = res.Hint
	}
}

func (h *harness) close() {
	if h.stack != nil {
		h.stack.close()
	}
}
