package grader

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"sync"
	"time"

	"idempotency/fixtures/world"
	"idempotency/grader/admin"
	"idempotency/grader/proxy"
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

	tmp   string
	close sync.Once
}

// StartSession builds the submission named by opts (as Grade does), starts restate-server,
// the fixture world and the service, and registers the service through a watching proxy.
// A submission whose services or handlers differ from the contract returns a *Failure.
// On any error nothing is left running. Close stops everything.
func StartSession(ctx context.Context, ex Exercise, opts Options) (_ *Session, err error) {
	progress := opts.Progress
	if progress == nil {
		progress = io.Discard
	}
	tg, err := resolve(ex, opts)
	if err != nil {
		return nil, err
	}
	s := &Session{Dir: tg.label}
	defer func() {
		if err != nil {
			s.Close()
		}
	}()
	if s.tmp, err = os.MkdirTemp("", "play-"+ex.ID+"-"); err != nil {
		return nil, fmt.Errorf("temp dir: %w", err)
	}

	// As in Grade, the build and the server start do not wait for each other.
	fmt.Fprintf(progress, "building %s and starting restate-server ...\n", tg.label)
	began := time.Now()
	var bin string
	var buildErr, serverErr error
	built := make(chan struct{})
	go func() {
		defer close(built)
		bin, buildErr = tg.build(ctx, s.tmp)
	}()
	cfg := opts.Runtime
	cfg.ForcedReplay = cfg.ForcedReplay || ex.ForcedReplay
	if cfg.Progress == nil {
		cfg.Progress = progress
	}
	s.Server, serverErr = runtime.Start(ctx, cfg)
	<-built
	if buildErr != nil {
		var ce *submission.CompileError
		if errors.As(buildErr, &ce) {
			return nil, fmt.Errorf("your code does not compile. The compiler said:\n%s", ce.Output)
		}
		return nil, fmt.Errorf("build the submission: %w", buildErr)
	}
	if serverErr != nil {
		return nil, fmt.Errorf("start restate-server: %w", serverErr)
	}
	fmt.Fprintf(progress, "built and started in %s; starting your service ...\n", time.Since(began).Round(10*time.Millisecond))
	s.IngressURL, s.AdminURL = s.Server.IngressURL(), s.Server.AdminURL()

	if s.World, err = world.Start(world.WithSeed(opts.Seed)); err != nil {
		return nil, fmt.Errorf("start fixture world: %w", err)
	}
	if s.Service, err = submission.Start(bin, s.World.Env(), 256<<10); err != nil {
		return nil, err
	}
	hctx, cancel := context.WithTimeout(ctx, 20*time.Second)
	defer cancel()
	if err := s.Service.WaitHealthy(hctx); err != nil {
		return nil, fmt.Errorf("start your service: %w", err)
	}
	if s.Proxy, err = proxy.Start(s.Service.URL()); err != nil {
		return nil, fmt.Errorf("start proxy: %w", err)
	}
	s.Admin = admin.New(s.AdminURL)
	if s.Deployment, err = s.Admin.Register(hctx, s.Proxy.URL); err != nil {
		return nil, ExplainRegistration(err, s.Proxy.URL)
	}
	if err := ExplainServices(ex, s.Deployment); err != nil {
		return nil, err
	}
	return s, nil
}

// Close stops the service, the world and the server, and removes the build. It may be
// called more than once.
func (s *Session) Close() {
	s.close.Do(func() {
		if s.Proxy != nil {
			_ = s.Proxy.Close()
		}
		if s.Service != nil {
			_ = s.Service.Stop()
		}
		if s.World != nil {
			s.World.Close()
		}
		if s.Server != nil {
			_ = s.Server.Stop()
		}
		if s.tmp != "" {
			_ = os.RemoveAll(s.tmp)
		}
	})
}
