package grader

import (
	"context"
	"fmt"
	"time"

	"idempotency/fixtures/world"
	"idempotency/grader/internal/admin"
	"idempotency/grader/internal/proxy"
	"idempotency/grader/runtime"
	"idempotency/grader/submission"
)

// Session is a submission running for a person to poke by hand: restate-server, the
// fixture world and the service, registered through a proxy that only watches (it is
// never armed: its attempt log draws each invocation's timeline), with no scenario. It
// is Grade's set-up without the grading.
type Session struct {
	// Dir is the package that runs, relative to the module root.
	Dir        string
	IngressURL string
	AdminURL   string
	Admin      *admin.Client
	Server     runtime.Server
	Service    *submission.Process
	// World is the fixture world the service calls; its ledger shows every gateway call.
	World *world.World
	// Proxy sits between restate-server and the service and records every attempt.
	Proxy *proxy.Proxy
	// Deployment is what the service registered: services, handlers, input schemas.
	Deployment admin.Deployment

	// Registration says which handlers of the contract the service lacks (a skipped
	// bonus, a renamed handler): play warns and runs the rest.
	Registration Registration

	stack *stack
}

// StartSession builds the submission named by opts and starts the same stack Grade
// stands on (restate-server, the fixture world, the service under opts.Limits, a proxy
// that only watches), registered. A deployment Restate refuses is a *Failure; one that
// lacks handlers of the contract is not (see Registration). On any error nothing is
// left running. Close stops everything.
func StartSession(ctx context.Context, ex Exercise, opts Options) (*Session, error) {
	tg, err := resolve(ex, opts)
	if err != nil {
		return nil, err
	}
	var tm Timings
	st, err := startStack(ctx, ex, opts, tg, &tm)
	if err != nil {
		return nil, err
	}
	if opts.Progress != nil {
		fmt.Fprintf(opts.Progress, "built in %s, restate-server ready in %s, your service in %s\n",
			ms(tm.Build), ms(tm.Server), ms(tm.Service))
	}
	return &Session{
		Dir:          tg.label,
		IngressURL:   st.server.IngressURL(),
		AdminURL:     st.server.AdminURL(),
		Admin:        st.admin,
		Server:       st.server,
		Service:      st.service,
		World:        st.world,
		Proxy:        st.proxy,
		Deployment:   st.deployment,
		Registration: CheckRegistration(ex, st.deployment),
		stack:        st,
	}, nil
}

func ms(n int64) time.Duration {
	return (time.Duration(n) * time.Millisecond).Round(10 * time.Millisecond)
}

// Close stops the service, the world and the server, and removes the build. It may be
// called more than once.
func (s *Session) Close() { s.stack.close() }
