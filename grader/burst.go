package grader

import (
	"context"
	"errors"
	"fmt"
	"sync"
)

// Concurrently calls f(ctx, i) for every i in [0, n) at once and waits for all of them:
// concurrent duplicates (the same call n times) and bursts (n calls across keys, or on
// one key). It never stops at the first error: every call runs to its end.
//
// It returns nil when every call returned nil. Otherwise the errors, each prefixed with
// its call's index, joined in index order; when some were harness errors (neither a
// *CallError nor a *Failure), only those, so that a scenario passing the result to
// env.Unexpected never turns a harness problem into a finding against the learner.
// Calls whose results the scenario needs store them by index from inside f.
func Concurrently(ctx context.Context, n int, f func(ctx context.Context, i int) error) error {
	errs := make([]error, n)
	start := make(chan struct{})
	var wg sync.WaitGroup
	for i := range n {
		wg.Go(func() {
			<-start // all at once, not in the order the goroutines happen to start
			errs[i] = f(ctx, i)
		})
	}
	close(start)
	wg.Wait()
	return joinResults(errs)
}

// Sequentially calls f(ctx, i) for i = 0 .. n-1, one after the other: sequential
// duplicates. Like Concurrently, it runs every call whatever the earlier ones
// returned, and reports errors the same way. It stops early only when ctx ends.
func Sequentially(ctx context.Context, n int, f func(ctx context.Context, i int) error) error {
	errs := make([]error, n)
	for i := range n {
		if err := ctx.Err(); err != nil {
			errs[i] = err
			continue
		}
		errs[i] = f(ctx, i)
	}
	return joinResults(errs)
}

// joinResults joins the errors of numbered calls, harness errors alone if there are any.
func joinResults(errs []error) error {
	indexed := make([]error, len(errs))
	for i, err := range errs {
		if err != nil {
			indexed[i] = &indexedError{i: i, err: err}
		}
	}
	return harnessFirst(indexed...)
}

// harnessFirst joins the errors that are not nil; when some are harness errors (neither
// a *CallError nor a *Failure), only those.
func harnessFirst(errs ...error) error {
	var all, harness []error
	for _, err := range errs {
		if err == nil {
			continue
		}
		all = append(all, err)
		var ce *CallError
		var f *Failure
		if !errors.As(err, &ce) && !errors.As(err, &f) {
			harness = append(harness, err)
		}
	}
	if len(harness) > 0 {
		return errors.Join(harness...)
	}
	return errors.Join(all...)
}

// PollDuring runs work and, alongside it, calls poll over and over, each call once the
// previous one has returned, until work has returned (the call in flight then ends) or
// poll returns an error: a stock level read throughout a burst of reservations. It
// returns nil, or work's and poll's errors joined; when some are harness errors, only
// those, as Concurrently does.
func PollDuring(ctx context.Context, work, poll func(ctx context.Context) error) error {
	stop := make(chan struct{})
	polled := make(chan error, 1)
	go func() {
		for {
			select {
			case <-stop:
				polled <- nil
				return
			default:
			}
			if err := poll(ctx); err != nil {
				polled <- err
				return
			}
		}
	}()
	err := work(ctx)
	close(stop)
	return harnessFirst(err, <-polled)
}

// indexedError says which call of a burst an error came from, and unwraps to it.
type indexedError struct {
	i   int
	err error
}

func (e *indexedError) Error() string { return fmt.Sprintf("call %d: %v", e.i, e.err) }
func (e *indexedError) Unwrap() error { return e.err }
