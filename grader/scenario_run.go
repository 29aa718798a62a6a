package grader

import (
	"context"
	"errors"
	"fmt"
	"maps"
	"runtime/debug"
	"slices"
	"strings"
	"time"

	"idempotency/grader/internal/admin"
)

// runScenario runs one scenario with its deadline and classifies what it returned.
func runScenario(ctx context.Context, s Scenario, env *Env) CriterionResult {
	return judge(ctx, s, env, func(ctx context.Context) error { return s.Run(ctx, env) })
}

// judge runs fn (a scenario's Run, or a check it deferred past a restart) with the
// scenario's deadline and classifies what it returned: pass, fail with evidence, or
// "could not judge". A plain error is a harness problem only while a part the grader
// owns is down; when they all answer, what went wrong was the submission's doing and
// the criterion fails with what the scenario saw.
func judge(ctx context.Context, s Scenario, env *Env, fn func(context.Context) error) CriterionResult {
	timeout := s.Timeout
	if timeout == 0 {
		timeout = DefaultScenarioTimeout
	}
	sctx, cancel := context.WithTimeout(ctx, timeout)
	defer cancel()
	err := safeRun(sctx, s, fn)
	var fault string
	if err != nil && ctx.Err() == nil {
		if fault = harnessFault(env); fault != "" {
			return CriterionResult{Status: StatusError, Evidence: "the grader could not judge this criterion: " + fault +
				" while it was running; what the scenario saw: " + err.Error()}
		}
	}

	var res CriterionResult
	var f *Failure
	var bug *graderBug
	var adminErr *admin.Error
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
		// the grader's own that ran out is judged below.
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
	case errors.As(err, &bug):
		// The grader's own code broke: never the learner's fault.
		res.Status = StatusError
		res.Evidence = "the grader could not judge this criterion: " + err.Error()
	case errors.As(err, &adminErr):
		// A request of the grader's own to restate-server's admin API (SQL, a kill)
		// failed, even if the server answers its health checks now: nothing the
		// submission did makes the grader's query fail.
		res.Status = StatusError
		res.Evidence = "the grader could not judge this criterion: restate-server's admin API failed the grader's request: " + err.Error()
	default:
		// restate-server, the fault proxy and the fixture world all answered (harnessFault
		// above): a wait that ran out, a call or an effect that never came, a fault that
		// never fired, is what the submission did.
		res.Status = StatusFail
		res.Sent = env.lastStep()
		res.Expected = "the scenario to complete: " + res.Sent
		res.Observed = err.Error()
		if st := env.ServiceState(); st != "" {
			res.Observed += "\n" + st
		}
		res.Observed += "\n(restate-server, the fault proxy and the fixture world were checked after this and all answered: this is what your service did, not a problem of the grader)"
		res.Evidence = (&Failure{Sent: res.Sent, Expected: res.Expected, Observed: res.Observed}).Evidence()
	}
	return res
}

// graderBug is a defect of the grader's own scenario code (a panic, an undeclared call).
type graderBug struct{ msg string }

func (p *graderBug) Error() string { return p.msg }

func safeRun(ctx context.Context, s Scenario, fn func(context.Context) error) (err error) {
	defer func() {
		if r := recover(); r != nil {
			err = &graderBug{msg: fmt.Sprintf("scenario %s panicked: %v\n%s", s.ID, r, debug.Stack())}
		}
	}()
	return fn(ctx)
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
	return strings.Join(steps, "; ")
}
