package proxy

import (
	"context"
	"fmt"
	"net/http"
	"strconv"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// fixture is a real restate-server whose only deployment is the Counter
// object, registered at a proxy's URL.
type fixture struct {
	rs      *restateServer
	counter *Counter
	proxy   *Proxy
}

func newFixture(t testing.TB, restateEnv ...string) *fixture {
	t.Helper()
	rs := startRestate(t, restateEnv...)
	c := newCounter()
	svc := serveCounter(t, c)
	t.Cleanup(func() { close(c.released) }) // runs before the service shuts down
	p, err := Start(svc)
	t.Cleanup(func() {
		if p != nil {
			assert.NoError(t, p.Close())
		}
	})
	require.NoError(t, err)
	rs.register(t, p.URL)
	return &fixture{rs: rs, counter: c, proxy: p}
}

func (f *fixture) call(t testing.TB, key, handler string, input any) callResult {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	res, err := f.rs.call(ctx, counterService, key, handler, input)
	require.NoError(t, err)
	require.Equalf(t, http.StatusOK, res.status, "call %s/%s/%s: %s", counterService, key, handler, res.body)
	require.NotEmpty(t, res.id, "x-restate-id")
	return res
}

func target(handler, key string) Target {
	return Target{Service: counterService, Handler: handler, Key: key}
}

func TestPassthrough(t *testing.T) {
	f := newFixture(t)
	res := f.call(t, "k", "Direct", nil)

	assert.Equal(t, "1", res.body)
	assert.Equal(t, 1, f.counter.count("direct/k"))
	assert.Equal(t, 1, f.proxy.Attempts(target("Direct", "k")))
	assert.Equal(t, 1, f.proxy.AttemptsOf(res.id))
	assert.Equal(t, []string{res.id}, f.proxy.Invocations(target("Direct", "k")))
	assert.Equal(t, 0, f.proxy.Fired(Target{}))
}

func TestCrashBeforeCompletion(t *testing.T) {
	f := newFixture(t)
	type testCase struct {
		handler string
		counter string
		want    int // how often the side effect ran, which is also the handler's result
	}
	for _, tc := range []testCase{
		{handler: "Direct", counter: "direct/k", want: 2}, // outside the journal: runs again on replay
		{handler: "InRun", counter: "run/k", want: 1},     // recorded before the crash: replayed, not rerun
	} {
		t.Run(tc.handler, func(t *testing.T) {
			tg := target(tc.handler, "k")
			f.proxy.Arm(tg, CrashBeforeCompletion, 1)
			res := f.call(t, "k", tc.handler, nil)

			assert.Equal(t, strconv.Itoa(tc.want), res.body)
			assert.Equal(t, tc.want, f.counter.count(tc.counter))
			assert.Equal(t, 1, f.proxy.Fired(tg))
			assert.Equal(t, 2, f.proxy.AttemptsOf(res.id))
			assert.Equal(t, 2, f.proxy.Attempts(tg))
			assert.Equal(t, []string{res.id}, f.proxy.Invocations(tg))

			// The attempt log: the first attempt crashed by the fault, the second
			// replayed what the first recorded and completed.
			log := f.proxy.AttemptLog(res.id)
			require.Len(t, log, 2)
			assert.Equal(t, []int{1, 2}, []int{log[0].N, log[1].N})
			assert.Equal(t, EndCrashed, log[0].Ending)
			assert.Equal(t, CrashBeforeCompletion, log[0].Fault)
			assert.Equal(t, EndCompleted, log[1].Ending)
			assert.Equal(t, Fault(0), log[1].Fault)
			assert.Equal(t, 1, log[0].Replayed, "the first attempt gets the input only")
			assert.GreaterOrEqual(t, log[1].Replayed, 1, "the retry replays what the first recorded (Direct records nothing)")
			assert.False(t, log[1].Start.Before(log[0].End), "attempts follow each other")
			assert.NotEmpty(t, log[1].CommandTimes, "the retry sent its output")
		})
	}
}

func TestCrashAfterRunRecorded(t *testing.T) {
	f := newFixture(t)

	t.Run("one run", func(t *testing.T) {
		tg := target("InRun", "k")
		f.proxy.Arm(tg, CrashAfterRunRecorded, 1)
		res := f.call(t, "k", "InRun", nil)

		assert.Equal(t, "1", res.body)
		assert.Equal(t, 1, f.counter.count("run/k"), "the run body must not execute again")
		assert.Equal(t, 1, f.proxy.Fired(tg))
		assert.Equal(t, 2, f.proxy.AttemptsOf(res.id))
	})

	t.Run("armed twice, two runs", func(t *testing.T) {
		// The retry replays the first run's completion; the second firing must
		// wait for the second run instead of breaking that replay again.
		tg := target("TwoRuns", "k")
		f.proxy.Arm(tg, CrashAfterRunRecorded, 2)
		res := f.call(t, "k", "TwoRuns", nil)

		assert.Equal(t, "2", res.body)
		assert.Equal(t, 1, f.counter.count("two-a/k"))
		assert.Equal(t, 1, f.counter.count("two-b/k"))
		// Attempt 1 breaks before the service sees run a; attempt 2 gets past
		// it and breaks at run b; attempt 3 gets past it again and completes.
		assert.Equal(t, 2, f.counter.count("two-between/k"), "the second fault must break after the second run")
		assert.Equal(t, 2, f.proxy.Fired(tg))
		assert.Equal(t, 3, f.proxy.AttemptsOf(res.id))
	})
}

func TestArmWithKeyMatchesOnlyThatKey(t *testing.T) {
	f := newFixture(t)
	f.proxy.Arm(target("Direct", "a"), CrashBeforeCompletion, 1)

	for _, key := range []string{"b", "ab", "A"} { // exact match: no prefix, no case folding
		f.call(t, key, "Direct", nil)
		assert.Equalf(t, 1, f.counter.count("direct/"+key), "key %q", key)
		assert.Equalf(t, 1, f.proxy.Attempts(target("Direct", key)), "key %q", key)
	}
	assert.Equal(t, 0, f.proxy.Fired(target("Direct", "")))

	res := f.call(t, "a", "Direct", nil)
	assert.Equal(t, 2, f.counter.count("direct/a"))
	assert.Equal(t, 2, f.proxy.AttemptsOf(res.id))
	assert.Equal(t, 1, f.proxy.Fired(target("Direct", "a")))
	assert.Equal(t, 0, f.proxy.Fired(target("Direct", "b")))
	assert.Equal(t, 1, f.proxy.Fired(target("Direct", "")))
	assert.Equal(t, 5, f.proxy.Attempts(target("Direct", "")))
}

func TestUnfiredFaultStaysArmed(t *testing.T) {
	f := newFixture(t)

	t.Run("no run, then a run", func(t *testing.T) {
		tg := target("Maybe", "k")
		f.proxy.Arm(tg, CrashAfterRunRecorded, 1)

		first := f.call(t, "k", "Maybe", false)
		assert.Equal(t, 0, f.proxy.Fired(tg), "no run completion, nothing to break")
		assert.Equal(t, 1, f.proxy.AttemptsOf(first.id))

		second := f.call(t, "k", "Maybe", true)
		assert.Equal(t, 1, f.proxy.Fired(tg), "the fault waited for the first run")
		assert.Equal(t, 2, f.proxy.AttemptsOf(second.id))
		assert.Equal(t, 1, f.counter.count("maybe-run/k"))

		third := f.call(t, "k", "Maybe", true)
		assert.Equal(t, 1, f.proxy.Fired(tg), "armed once, fires once")
		assert.Equal(t, 1, f.proxy.AttemptsOf(third.id))
	})

	t.Run("attempt fails without output", func(t *testing.T) {
		tg := target("FailFirst", "k")
		f.proxy.Arm(tg, CrashBeforeCompletion, 1)
		res := f.call(t, "k", "FailFirst", nil)

		// Attempt 1 ends with an error message, attempt 2's output is dropped, attempt 3 completes.
		assert.Equal(t, "3", res.body)
		assert.Equal(t, 1, f.proxy.Fired(tg))
		assert.Equal(t, 3, f.proxy.AttemptsOf(res.id))
	})

	t.Run("disarmed", func(t *testing.T) {
		f.proxy.Arm(target("Direct", "d"), CrashBeforeCompletion, 5)
		f.proxy.Disarm(target("Direct", ""))
		res := f.call(t, "d", "Direct", nil)
		assert.Equal(t, "1", res.body)
		assert.Equal(t, 0, f.proxy.Fired(target("Direct", "")))
	})
}

func TestSuspensionOpensAStreamPerResumption(t *testing.T) {
	// A zero inactivity timeout makes Restate suspend the invocation at every
	// await, so each resumption is a new attempt stream that replays the journal.
	f := newFixture(t, "RESTATE_WORKER__INVOKER__INACTIVITY_TIMEOUT=0s")
	tg := target("Sleepy", "k")
	plain := f.call(t, "k", "Sleepy", nil)
	n := f.proxy.AttemptsOf(plain.id)
	assert.GreaterOrEqual(t, n, 2, "a suspended invocation resumes on a new stream")
	assert.Equal(t, n, f.proxy.Attempts(tg))
	t.Logf("Sleepy (run, sleep, run) under suspension: %d attempt streams", n)

	// Only the attempt that sends the output breaks; the runs stay recorded.
	f.proxy.Arm(tg, CrashBeforeCompletion, 1)
	crashed := f.call(t, "k", "Sleepy", nil)
	assert.Equal(t, 1, f.proxy.Fired(tg))
	assert.Equal(t, 2, f.counter.count("sleepy-a/k"))
	assert.Equal(t, 2, f.counter.count("sleepy-b/k"))
	t.Logf("same, crashed before completion: %d attempt streams", f.proxy.AttemptsOf(crashed.id))

	// The service suspends before a run's completion comes back, so the fault
	// fires on the next attempt, where the completion is first replayed.
	f.proxy.Arm(tg, CrashAfterRunRecorded, 1)
	afterRun := f.call(t, "k", "Sleepy", nil)
	assert.Equal(t, 2, f.proxy.Fired(tg))
	assert.Equal(t, 3, f.counter.count("sleepy-a/k"))
	assert.Equal(t, 3, f.counter.count("sleepy-b/k"))
	t.Logf("same, crashed after the first run was recorded: %d attempt streams", f.proxy.AttemptsOf(afterRun.id))
}

func TestConcurrentStreams(t *testing.T) {
	f := newFixture(t)
	const calls, faults = 20, 5
	f.proxy.Arm(target("Direct", ""), CrashBeforeCompletion, faults)

	var wg sync.WaitGroup
	results := make([]callResult, calls)
	errs := make([]error, calls)
	for i := range calls {
		wg.Go(func() {
			ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
			defer cancel()
			results[i], errs[i] = f.rs.call(ctx, counterService, fmt.Sprintf("c%d", i), "Direct", nil)
		})
	}
	wg.Wait()

	ran := 0
	for i := range calls {
		require.NoError(t, errs[i])
		assert.Equal(t, http.StatusOK, results[i].status, results[i].body)
		ran += f.counter.count(fmt.Sprintf("direct/c%d", i))
	}
	assert.Equal(t, calls+faults, ran)
	assert.Equal(t, faults, f.proxy.Fired(target("Direct", "")))
	assert.Equal(t, calls+faults, f.proxy.Attempts(target("Direct", "")))
	assert.Len(t, f.proxy.Invocations(target("Direct", "")), calls)
}

func TestCloseWithStreamsInFlight(t *testing.T) {
	f := newFixture(t)
	ctx, cancel := context.WithCancel(context.Background())
	t.Cleanup(cancel)
	go func() {
		// Its outcome does not matter: Restate retries against a closed proxy
		// until the call is cancelled or killed.
		_, _ = f.rs.call(ctx, counterService, "z", "Block", nil)
	}()

	select {
	case key := <-f.counter.entered:
		require.Equal(t, "z", key)
	case <-time.After(20 * time.Second):
		t.Fatal("Block never started")
	}

	closed := make(chan error, 1)
	go func() { closed <- f.proxy.Close() }()
	select {
	case err := <-closed:
		assert.NoError(t, err)
	case <-time.After(10 * time.Second):
		t.Fatal("Close did not return with a stream in flight")
	}

	select {
	case key := <-f.counter.cancelled:
		assert.Equal(t, "z", key, "the service saw its stream die")
	case <-time.After(10 * time.Second):
		t.Fatal("the service's stream stayed open after Close")
	}

	assertNoProxyGoroutines(t)
	_, err := http.Get(f.proxy.URL + "/discover")
	assert.Error(t, err, "a closed proxy no longer listens")
}
