package grader_test

import (
	"context"
	"errors"
	"runtime"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"idempotency/grader"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// Every call of a burst is in flight at the same time: each waits until all have
// started, which a one-after-the-other implementation never lets happen.
func TestConcurrentlyRunsEveryCallAtOnce(t *testing.T) {
	const n = 16
	ctx, cancel := context.WithTimeout(t.Context(), 10*time.Second)
	defer cancel()
	var started atomic.Int32
	all := make(chan struct{})
	err := grader.Concurrently(ctx, n, func(ctx context.Context, i int) error {
		if started.Add(1) == n {
			close(all)
		}
		select {
		case <-all:
			return nil
		case <-ctx.Done():
			return ctx.Err()
		}
	})
	require.NoError(t, err)
	assert.EqualValues(t, n, started.Load())
}

type collectCase struct {
	name    string
	run     func(context.Context, int, func(context.Context, int) error) error
	calls   int
	failing map[int]error
	// want: the indexes that the error names, and whether it is a CallError
	wantIn      []string
	wantNotIn   []string
	isCallError bool
}

// Neither helper stops at the first error; harness errors are returned alone.
func TestBurstCollectsEveryResult(t *testing.T) {
	callErr := func(code int) error { return &grader.CallError{Code: code, Message: "boom", FromHandler: true} }
	harness := errors.New("connection refused")
	cases := []collectCase{
		{name: "concurrent all fine", run: grader.Concurrently, calls: 5},
		{name: "sequential all fine", run: grader.Sequentially, calls: 5},
		{
			name: "concurrent two answers", run: grader.Concurrently, calls: 5,
			failing: map[int]error{0: callErr(409), 3: callErr(500)},
			wantIn:  []string{"call 0: 409 boom", "call 3: 500 boom"}, isCallError: true,
		},
		{
			name: "sequential first fails, rest still run", run: grader.Sequentially, calls: 4,
			failing: map[int]error{0: callErr(409)},
			wantIn:  []string{"call 0: 409 boom"}, isCallError: true,
		},
		{
			name: "harness errors alone", run: grader.Concurrently, calls: 4,
			failing:   map[int]error{1: callErr(409), 2: harness},
			wantIn:    []string{"call 2: connection refused"},
			wantNotIn: []string{"409"},
		},
		{
			name: "failures count as the learner's", run: grader.Sequentially, calls: 2,
			failing: map[int]error{1: grader.Fail("s", "e", "o")},
			wantIn:  []string{"call 1: sent s"},
		},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			var ran atomic.Int32
			err := tc.run(t.Context(), tc.calls, func(_ context.Context, i int) error {
				ran.Add(1)
				return tc.failing[i]
			})
			assert.EqualValues(t, tc.calls, ran.Load(), "every call runs")
			if len(tc.failing) == 0 {
				assert.NoError(t, err)
				return
			}
			require.Error(t, err)
			for _, s := range tc.wantIn {
				assert.Contains(t, err.Error(), s)
			}
			for _, s := range tc.wantNotIn {
				assert.NotContains(t, err.Error(), s)
			}
			var ce *grader.CallError
			assert.Equal(t, tc.isCallError, errors.As(err, &ce))
		})
	}
}

// A scenario that runs out of time stops calling; the calls not made say why.
func TestBurstSequentiallyStopsWhenContextEnds(t *testing.T) {
	ctx, cancel := context.WithCancel(t.Context())
	var ran int
	err := grader.Sequentially(ctx, 3, func(context.Context, int) error {
		ran++
		cancel()
		return nil
	})
	assert.Equal(t, 1, ran)
	assert.ErrorIs(t, err, context.Canceled)
}

// PollDuring polls while the work runs and stops once it has returned; an error of
// either side comes back, harness errors alone.
func TestPollDuring(t *testing.T) {
	t.Run("polls until the work is done", func(t *testing.T) {
		var polls atomic.Int32
		polled := make(chan struct{})
		var returned atomic.Bool
		var late atomic.Int32
		err := grader.PollDuring(t.Context(), func(ctx context.Context) error {
			// The work ends only once the poll has run three times alongside it.
			select {
			case <-polled:
			case <-ctx.Done():
				return ctx.Err()
			}
			return nil
		}, func(context.Context) error {
			if returned.Load() {
				late.Add(1)
			}
			if polls.Add(1) == 3 {
				close(polled)
			}
			return nil
		})
		returned.Store(true)
		require.NoError(t, err)
		assert.GreaterOrEqual(t, polls.Load(), int32(3))
		n := polls.Load()
		for range 1000 {
			runtime.Gosched()
		}
		// The poller may run a few more times between the work's return and its stop, but
		// never once PollDuring has returned: it waits for the call in flight.
		assert.Equal(t, n, polls.Load(), "no poll after PollDuring returned")
		assert.Zero(t, late.Load())
	})
	callErr := &grader.CallError{Code: 500, Message: "boom", FromHandler: true}
	harness := errors.New("connection refused")
	type testCase struct {
		name       string
		work, poll error
		want       []string
		notWant    []string
	}
	for _, tc := range []testCase{
		{name: "poll's answer", poll: callErr, want: []string{"500 boom"}},
		{name: "work's answer", work: callErr, want: []string{"500 boom"}},
		{name: "harness over an answer", work: callErr, poll: harness, want: []string{"connection refused"}, notWant: []string{"boom"}},
		{name: "both answers", work: grader.Fail("s", "e", "o"), poll: callErr, want: []string{"sent s", "500 boom"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			var polls atomic.Int32
			polled := make(chan struct{})
			var once sync.Once
			err := grader.PollDuring(t.Context(), func(context.Context) error {
				<-polled // the poll has run at least once
				return tc.work
			}, func(context.Context) error {
				polls.Add(1)
				once.Do(func() { close(polled) })
				return tc.poll
			})
			require.Error(t, err)
			for _, s := range tc.want {
				assert.Contains(t, err.Error(), s)
			}
			for _, s := range tc.notWant {
				assert.NotContains(t, err.Error(), s)
			}
			if tc.poll != nil {
				assert.LessOrEqual(t, polls.Load(), int32(1), "polling stops at the first error")
			}
		})
	}
}
