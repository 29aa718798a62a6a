package grader

import (
	"context"
	"fmt"
	"sync"
	"time"
)

// Durable means it survived a restart. A scenario about stored state records what it
// stored, then defers the read-back with AfterRestart; the engine runs every deferred
// check of a phase after one restart of the service process (and of restate-server
// when any check asked for it), so that state kept in process memory never passes.

// deferredCheck is a read-back a scenario asked to run after a restart.
type deferredCheck struct {
	what   string
	server bool
	check  func(ctx context.Context) error
}

// AfterRestart defers check until the engine has killed the service process and
// started it again, once every scenario of this phase has run. what says what is read
// back ("orders created above"). A scenario that fails before it returns never runs its
// deferred checks; one that passes is judged again by them.
func (e *Env) AfterRestart(what string, check func(ctx context.Context) error) {
	e.deferCheck(deferredCheck{what: what, check: check})
}

// AfterServerRestart is AfterRestart with restate-server restarted on the same data
// too, for the criteria whose README says state survives that. With an external server
// (which the grader does not own) only the service is restarted.
func (e *Env) AfterServerRestart(what string, check func(ctx context.Context) error) {
	e.deferCheck(deferredCheck{what: what, server: true, check: check})
}

func (e *Env) deferCheck(d deferredCheck) {
	e.log.mu.Lock()
	e.log.deferred = append(e.log.deferred, d)
	e.log.mu.Unlock()
}

func (e *Env) deferredChecks() []deferredCheck {
	e.log.mu.Lock()
	defer e.log.mu.Unlock()
	return append([]deferredCheck(nil), e.log.deferred...)
}

// restartForChecks restarts what the pending checks need. An error is a *Failure when
// the submission's service did not come back, a harness error when the server did not.
func (h *harness) restartForChecks(ctx context.Context, server bool) error {
	if server && h.server.Kind() != "external" {
		if err := h.server.Restart(ctx); err != nil {
			return fmt.Errorf("restart restate-server for the read-back after a restart: %w", err)
		}
	}
	rctx, cancel := context.WithTimeout(ctx, 20*time.Second)
	defer cancel()
	err := h.service.Restart(rctx)
	if err == nil && h.ex.WarmUp != nil {
		// The restarted process pays the SDK's first-call cost again: pay it here, outside
		// the deadlines of the read-backs. Any answer will do, and so will none.
		wctx, cancel := context.WithTimeout(ctx, 60*time.Second)
		_ = h.warmUp(wctx)
		cancel()
	}
	if err != nil {
		return Fail("a restart of your service process (killed, then started again on the same port)",
			"it listens again within 20 s, so the state it stored can be read back",
			"%v", err)
	}
	return nil
}

// runPhase runs the scenarios idx at once, then, when any of those that passed deferred
// checks, restarts once and runs the checks at once.
func (h *harness) runPhase(ctx context.Context, idx []int) {
	envs := make([]*Env, len(idx))
	results := make([]CriterionResult, len(idx))
	began := time.Now()
	took := func(j int) { results[j].DurationMS = time.Since(began).Milliseconds() }
	var wg sync.WaitGroup
	for j, i := range idx {
		s := h.ex.Scenarios[i]
		envs[j] = newEnv(h.base, s.ID, h.opts.Seed)
		envs[j].needs = h.ex.needs(s)
		wg.Go(func() { results[j] = runScenario(ctx, s, envs[j]); took(j) })
	}
	wg.Wait()

	var pending []int
	server := false
	for j := range idx {
		if results[j].Status != StatusPass {
			continue
		}
		for _, d := range envs[j].deferredChecks() {
			pending = append(pending, j)
			server = server || d.server
			break
		}
	}
	if len(pending) > 0 && ctx.Err() == nil {
		restartErr := h.restartForChecks(ctx, server)
		for _, j := range pending {
			s := h.ex.Scenarios[idx[j]]
			env := envs[j]
			wg.Go(func() {
				results[j] = judge(ctx, s, env, func(ctx context.Context) error {
					for _, d := range env.deferredChecks() {
						what := "restarted your service process"
						if d.server && h.server.Kind() != "external" {
							what = "restarted restate-server and your service process"
						}
						env.Step("%s, then read back %s", what, d.what)
						if restartErr != nil {
							return restartErr
						}
						if err := d.check(ctx); err != nil {
							return err
						}
					}
					return nil
				})
				took(j)
			})
		}
		wg.Wait()
	}
	for j, i := range idx {
		if results[j].Status == StatusFail {
			results[j].Timeline = collectTimeline(ctx, envs[j])
		}
		h.record(i, results[j])
	}
}
