package grader

import (
	"context"
	"fmt"

	"idempotency/fixtures/world"
)

// KillWhileParked is fault kind 6 in one call. It parks the next gateway call that
// matches m, runs call in the background (call must make the service reach that
// gateway), kills the service process while the gateway call is parked and restarts it,
// and waits until the world has recorded the parked call as abandoned: the kill had its
// effect, and the gateway never acted on that call. The restarted service's next
// matching call is not parked. KillWhileParked then waits for call to return (Restate
// retries the invocation on the new process) and returns call's own error: nil, a
// *CallError for env.Unexpected, or a harness error.
//
// If call returns before any matching gateway call parked, the handler never reached
// the gateway: that is call's error, or a *Failure when call succeeded.
// Its own problems (the restart failed, the call was not abandoned) are harness errors.
// Only Exclusive scenarios may call it.
func (e *Env) KillWhileParked(ctx context.Context, call func(ctx context.Context) error, m ...world.Matcher) error {
	p, err := e.parkDuring(ctx, call, m)
	if err != nil || p.done {
		return err
	}
	if err := e.RestartService(ctx); err != nil {
		p.stop()
		return fmt.Errorf("kill while parked: %w", err)
	}
	abandoned, err := e.World.WaitCalls(ctx, 1, func(c world.Call) bool { return c.Seq == p.ref.Seq })
	if err != nil {
		p.stop()
		return fmt.Errorf("kill while parked: the world never recorded parked call #%d as ended: %w", p.ref.Seq, err)
	}
	if c := abandoned[0]; !c.Abandoned {
		p.stop()
		return fmt.Errorf("kill while parked: the service was killed but the world did not abandon the parked call: %s", c)
	}
	return p.wait()
}

// RestartServerWhileParked is fault kind 7 with work in flight, in one call. It parks
// the next gateway call that matches m, runs call in the background, restarts
// restate-server on the same data while the gateway call is parked, and then runs call
// a second time and returns that run's error. The first run usually ends with a
// harness error (the server went away under it) and is ignored.
//
// call must send its request with an ingress idempotency key (IdempotencyKey): the
// second run then attaches to the invocation that was in flight across the restart
// instead of starting a new one, and returns that invocation's result. Restate retries
// the invocation after the restart; its new attempt's gateway call is not parked. The
// first attempt's gateway call stays parked (the service process still waits on it),
// so only the retry reaches the gateway. Only Exclusive scenarios may call it.
func (e *Env) RestartServerWhileParked(ctx context.Context, call func(ctx context.Context) error, m ...world.Matcher) error {
	p, err := e.parkDuring(ctx, call, m)
	if err != nil || p.done {
		return err
	}
	if err := e.RestartServer(ctx); err != nil {
		p.stop()
		return err
	}
	// The first run's request died with the old server; what it returned does not matter.
	_ = p.wait()
	return call(ctx)
}

// parking is a call running in the background while one of its gateway calls is parked.
type parking struct {
	ref    world.CallRef
	done   bool // call returned before a gateway call parked; nothing is running
	result chan error
	cancel context.CancelFunc
}

// wait returns call's error once it has returned.
func (p *parking) wait() error {
	defer p.cancel()
	return <-p.result
}

// stop cancels call and waits for it, for the error paths.
func (p *parking) stop() {
	p.cancel()
	<-p.result
}

// parkDuring parks the next gateway call matching m and starts call. It returns once the
// gateway call is parked, or with done set (and call's verdict as the error) when call
// returned first.
func (e *Env) parkDuring(ctx context.Context, call func(ctx context.Context) error, m []world.Matcher) (*parking, error) {
	reached := len(e.World.Calls(m...))
	rule := e.World.On(m...).Times(1).Park()
	defer rule.Remove() // in force only until it fires, or until call gives up first

	cctx, cancel := context.WithCancel(ctx)
	p := &parking{result: make(chan error, 1), cancel: cancel}
	go func() { p.result <- call(cctx) }()

	type found struct {
		ref world.CallRef
		err error
	}
	parked := make(chan found, 1)
	wctx, stopWaiting := context.WithCancel(ctx)
	defer stopWaiting()
	go func() {
		ref, err := e.World.WaitParked(wctx, m...)
		parked <- found{ref, err}
	}()

	select {
	case f := <-parked:
		if f.err != nil {
			p.stop()
			return nil, f.err
		}
		p.ref = f.ref
		return p, nil
	case err := <-p.result:
		cancel()
		p.done = true
		if err != nil {
			return p, err
		}
		if len(e.World.Calls(m...)) > reached {
			return p, fmt.Errorf("the handler reached the gateway but the world did not park the call (rule %q fired %d times)", rule, rule.Fired())
		}
		return p, &Failure{
			Sent:     e.lastStep(),
			Expected: "a call to the gateway, which the grader holds while it interrupts your service",
			Observed: "the handler answered without calling the gateway",
		}
	}
}
