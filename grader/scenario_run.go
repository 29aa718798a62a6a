package grader

import (
	"context"
	"errors"
	"fmt"
	"maps"
	"runtime/debug"
	"slices"
	"time"
)

// runScenario runs one scenario with its deadline and classifies what it returned.
func runScenario(ctx context.Context, s Scenario, base Env, seed uint64) CriterionResult {
	env := newEnv(base, s.ID, seed)
	timeout := s.Timeout
	if timeout == 0 {
		timeout = DefaultScenarioTimeout
	}
	sctx, cancel := context.WithTimeout(ctx, timeout)
	defer cancel()
	err := safeRun(sctx, s, env)
	if err != nil && ctx.Err() == nil {
		if fault := harnessFault(env); fault != "" {
			return CriterionResult{Status: StatusError, Evidence: "the grader could not judge this criterion: " + fault +
				" while it was running; what the scenario saw: " + err.Error()}
		}
	}

	var res CriterionResult
	var f *Failure
	switch {
	case err == nil:
		res.Status = StatusPass
		res.Checked = env.stepList()
		res.Evidence = "checked: " + joinSteps(res.Checked)
	case ctx.Err() != nil:
		// Interrupted (Ctrl-C, a batch deadline): whatever the scenario concluded from a
		// wait that was cut short is not a verdict.
		res.Status = StatusError
		res.Evidence = "grading was interrupted before this criterion finished"
	case errors.As(err, &f):
		res.Status = StatusFail
		res.Sent, res.Expected, res.Observed, res.Hint = f.Sent, f.Expected, f.Observed, f.Hint
		res.Evidence = f.Evidence()
	case sctx.Err() != nil:
		// Only the scenario's own deadline is the submission's timeout; a shorter wait of
		// the grader's own that ran out is a harness error (default case).
		res.Status = StatusFail
		res.Sent = env.lastStep()
		res.Expected = fmt.Sprintf("an answer within %s", timeout)
		res.Observed = "no answer: the call was still running at the deadline"
		if st := env.ServiceState(); st != "" {
			res.Observed += "\n" + st
		}
		if killed := killUnfinished(env); killed != "" {
			res.Observed += "\n" + killed
		}
		res.Evidence = (&Failure{Sent: res.Sent, Expected: res.Expected, Observed: res.Observed}).Evidence()
		res.Hint = "a handler that never returns is usually retried forever: return a terminal error (restate.ToTerminalError(err, restate.WithErrorCode(...))) for failures that a retry cannot fix, and never block on something outside Restate"
	default:
		res.Status = StatusError
		res.Evidence = "the grader could not judge this criterion: " + err.Error()
	}
	return res
}

func safeRun(ctx context.Context, s Scenario, env *Env) (err error) {
	defer func() {
		if r := recover(); r != nil {
			err = fmt.Errorf("scenario %s panicked: %v\n%s", s.ID, r, debug.Stack())
		}
	}()
	return s.Run(ctx, env)
}

// killUnfinished kills the invocations a timed-out scenario left behind, so that they
// do not keep the server busy, and says which.
func killUnfinished(env *Env) string {
	if env.Admin == nil {
		return ""
	}
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	var out string
	used := env.usedKeys()
	for _, svc := range slices.Sorted(maps.Keys(used)) {
		keys := used[svc]
		killed, err := env.Admin.KillUnfinished(ctx, svc, keys...)
		if err != nil {
			continue
		}
		for _, inv := range killed {
			out += fmt.Sprintf("killed stuck invocation %s/%s/%s (%s)", inv.Service, inv.Key, inv.Handler, inv.Status)
			out += ": " + ExplainInvocation(inv)
			out += "\n"
		}
	}
	return out
}

func joinSteps(steps []string) string {
	if len(steps) == 0 {
		return "(no steps recorded)"
	}
	out := ""
	for i, s := range steps {
		if i > 0 {
			out += "; "
		}
		out += s
	}
	return out
}
