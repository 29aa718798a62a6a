package grader

import (
	"context"
	"fmt"

	"idempotency/grader/internal/proxy"
)

// RestartService kills the submission's process (SIGKILL to its group, as a crash would)
// and starts it again on the same port, so Restate's retries reach it. Only Exclusive
// scenarios may call it.
func (e *Env) RestartService(ctx context.Context) error {
	if err := e.Service.Restart(ctx); err != nil {
		return fmt.Errorf("restart the service process: %w", err)
	}
	return nil
}

// RestartServer stops restate-server and starts it on the same data: state, deployments
// and in-flight invocations must survive. Only Exclusive scenarios may call it.
func (e *Env) RestartServer(ctx context.Context) error {
	if err := e.Server.Restart(ctx); err != nil {
		return fmt.Errorf("restart restate-server: %w", err)
	}
	return nil
}

// Crash is a crash armed on the fault proxy for one target (fault kinds 4 and 5). It
// remembers how often the proxy had fired for the target before, so that Check can
// tell whether this crash happened.
type Crash struct {
	proxy  *proxy.Proxy
	target proxy.Target
	fault  proxy.Fault
	n      int
	before int
}

// ArmCrash makes the next n attempts of t break at fault f: proxy.CrashBeforeCompletion
// (the service's output is dropped and the stream reset, so Restate replays the
// journal) or proxy.CrashAfterRunRecorded (the stream is reset the moment a Run's result
// is durably recorded). Key "" means any key. Disarm it when the scenario is done, and
// Check it after the calls that should have crashed:
//
//	crash := env.ArmCrash(t, proxy.CrashBeforeCompletion, 1)
//	defer crash.Disarm()
//	// ... call t ...
//	if err := crash.Check(); err != nil { return err }
func (e *Env) ArmCrash(t Target, f proxy.Fault, n int) *Crash {
	pt := proxy.Target{Service: t.Service, Handler: t.Handler, Key: t.Key}
	c := &Crash{proxy: e.Proxy, target: pt, fault: f, n: n, before: e.Proxy.Fired(pt)}
	e.Proxy.Arm(pt, f, n)
	return c
}

// Fired returns how many times the proxy broke an attempt of the target since ArmCrash.
func (c *Crash) Fired() int { return c.proxy.Fired(c.target) - c.before }

// Check returns a harness error unless the crash fired exactly n times: a crash that
// never happened tested nothing, and one that happened more often than armed means
// two scenarios share a target.
func (c *Crash) Check() error {
	if got := c.Fired(); got != c.n {
		return fmt.Errorf("%s of %s fired %d times, want %d (did the call reach the handler?)", c.fault, c.target, got, c.n)
	}
	return nil
}

// Disarm removes what is left of the crash, and of any other fault armed for its target.
func (c *Crash) Disarm() { c.proxy.Disarm(c.target) }
