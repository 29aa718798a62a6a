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
	"idempotency/grader/internal/admin"
	"idempotency/grader/internal/explain"
	"idempotency/grader/internal/proxy"
	"idempotency/grader/runtime"
	"idempotency/grader/submission"
)

// DoesNotCompile starts the report's error when the submission does not build: the
// learner's own doing, though nothing could be judged.
const DoesNotCompile = "your code does not compile"

// logTail is how much of the service's output is kept for explanations and for play.
const logTail = 256 << 10

// startTimeout bounds the service's start, its registration and the warm-up: a minute,
// not seconds, because a batch on a loaded machine starts services slowly, and a start
// that runs out of time is "could not judge" for the whole exercise.
const startTimeout = 60 * time.Second

// stack is what every run of a submission stands on, graded (Grade) or poked by hand
// (StartSession): its build, restate-server, the fixture world, the service process
// and the fault proxy in front of it, registered with the server.
type stack struct {
	tmp        string
	server     runtime.Server
	world      *world.World
	service    *submission.Process
	proxy      *proxy.Proxy
	admin      *admin.Client
	deployment admin.Deployment
	closeOnce  sync.Once
}

// startStack builds tg and starts restate-server (the two at once), the fixture world,
// the service (under opts.Limits) and the proxy, and registers the service through the
// proxy. It records the time of each part in tm. A compile error says what the compiler
// said; a registration Restate refused is a *Failure. On any error it stops what it
// started and returns nil.
func startStack(ctx context.Context, ex Exercise, opts Options, tg target, tm *Timings) (_ *stack, err error) {
	progress := opts.Progress
	if progress == nil {
		progress = io.Discard
	}
	s := &stack{}
	defer func() {
		if err != nil {
			s.close()
		}
	}()
	if s.tmp, err = os.MkdirTemp("", "grade-"+ex.ID+"-"); err != nil {
		return nil, fmt.Errorf("temp dir: %w", err)
	}

	fmt.Fprintf(progress, "building %s ...\n", tg.label)
	var bin string
	var buildErr, serverErr error
	built := make(chan struct{})
	go func() {
		defer close(built)
		t := time.Now()
		bin, buildErr = tg.build(ctx, s.tmp)
		tm.Build = time.Since(t).Milliseconds()
	}()
	t := time.Now()
	cfg := opts.Runtime
	cfg.ForcedReplay = cfg.ForcedReplay || ex.ForcedReplay
	if cfg.Progress == nil {
		cfg.Progress = progress
	}
	s.server, serverErr = runtime.Start(ctx, cfg)
	tm.Server = time.Since(t).Milliseconds()
	<-built
	if buildErr != nil {
		var ce *submission.CompileError
		if errors.As(buildErr, &ce) {
			return nil, fmt.Errorf("%s, so nothing could be graded. The compiler said:\n%s", DoesNotCompile, ce.Output)
		}
		return nil, fmt.Errorf("build the submission: %w", buildErr)
	}
	if serverErr != nil {
		return nil, fmt.Errorf("start restate-server: %w", serverErr)
	}

	t = time.Now()
	defer func() { tm.Service = time.Since(t).Milliseconds() }()
	if s.world, err = world.Start(world.WithSeed(opts.Seed)); err != nil {
		return nil, fmt.Errorf("start fixture world: %w", err)
	}
	if s.service, err = submission.Start(bin, s.world.Env(), submission.WithLogTail(logTail), submission.WithLimits(opts.Limits)); err != nil {
		return nil, err
	}
	hctx, cancel := context.WithTimeout(ctx, startTimeout)
	defer cancel()
	if err := s.service.WaitHealthy(hctx); err != nil {
		return nil, fmt.Errorf("start your service: %w", err)
	}
	if s.proxy, err = proxy.Start(s.service.URL()); err != nil {
		return nil, fmt.Errorf("start fault proxy: %w", err)
	}
	s.admin = admin.New(s.server.AdminURL())
	if s.deployment, err = s.admin.Register(hctx, s.proxy.URL); err != nil {
		return nil, explain.Registration(err, s.proxy.URL)
	}
	return s, nil
}

// close stops the proxy, the service, the server and the world, and removes the build.
// It may be called more than once, and on a stack started only in part.
func (s *stack) close() {
	s.closeOnce.Do(func() {
		if s.proxy != nil {
			_ = s.proxy.Close()
		}
		if s.service != nil {
			_ = s.service.Stop()
		}
		if s.server != nil {
			_ = s.server.Stop()
		}
		if s.world != nil {
			s.world.Close()
		}
		if s.tmp != "" {
			_ = os.RemoveAll(s.tmp)
		}
	})
}
