package grader

import (
	"context"
	"errors"
	"time"

	"idempotency/grader/internal/proxy"
)

// warmUp runs the exercise's warm-up call, which only has to reach the service. A
// handler that answers it with a plain error is retried by Restate for seconds (the
// retry policy's attempts); its first failed attempt has already paid the SDK's
// first-call cost, so the warm-up ends there and its invocation is killed, leaving
// nothing to retry while the scenarios run.
func (h *harness) warmUp(ctx context.Context) error {
	began := time.Now()
	wctx, cancel := context.WithCancel(ctx)
	defer cancel()
	done := make(chan error, 1)
	go func() { done <- h.ex.WarmUp(wctx, newEnv(h.base, "warm-up", h.opts.Seed)) }()
	tick := time.NewTicker(20 * time.Millisecond)
	defer tick.Stop()
	for {
		select {
		case err := <-done:
			return err
		case <-tick.C:
		}
		failed := failedAttempts(h.proxy, began)
		if len(failed) == 0 {
			continue
		}
		cancel()
		if err := <-done; err == nil || !errors.Is(err, context.Canceled) {
			return err // it answered after all
		}
		kctx, stop := context.WithTimeout(ctx, 5*time.Second)
		defer stop()
		for _, id := range failed {
			// A kill that fails leaves the retries to the retry policy, which ends them.
			_ = h.admin.Kill(kctx, id)
		}
		return nil
	}
}

// failedAttempts lists the invocations with an attempt that started after since and
// ended with an error from the service (a retried plain error, a journal mismatch).
func failedAttempts(p *proxy.Proxy, since time.Time) []string {
	var ids []string
	for _, a := range p.AttemptsBetween(since, time.Now()) {
		if a.Ending == proxy.EndFailed && !a.Start.Before(since) {
			ids = append(ids, a.InvocationID)
		}
	}
	return ids
}
