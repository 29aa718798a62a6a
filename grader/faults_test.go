package grader_test

import (
	"context"
	"fmt"
	"strings"
	"testing"

	"idempotency/fixtures/world"
	"idempotency/grader"
	"idempotency/grader/internal/proxy"
	"idempotency/grader/selftest/gradetest"

	restate "github.com/restatedev/sdk-go"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// Every fault kind of GRADING.md is applied on its own to a probe service built to make
// it visible (grader/testdata/faultsvc), through the engine, and each scenario checks
// that the fault had its effect. A fault kind that silently does nothing fails here.

const (
	probeDir     = "grader/testdata/faultsvc"
	probeService = "FaultProbe"
)

// probeCounts mirrors faultsvc's Counts.
type probeCounts struct {
	Entered int    `json:"entered"`
	Runs    int    `json:"runs"`
	Stored  int    `json:"stored"`
	Note    string `json:"note"`
	PID     int    `json:"pid"`
}

func probeExercise(id string, forcedReplay bool, scenarios ...grader.Scenario) grader.Exercise {
	return grader.Exercise{
		ID:           id,
		Title:        "fault probe",
		Stub:         probeDir,
		Solution:     probeDir,
		Services:     map[string][]string{probeService: {"Bump", "Notify", "Replay", "Counts"}},
		ForcedReplay: forcedReplay,
		WarmUp: func(ctx context.Context, env *grader.Env) error {
			_, err := counts(ctx, env, "warm-up")
			return err
		},
		Scenarios: scenarios,
	}
}

// faultScenarios apply one fault kind each (forced replay has its own test: it is a
// property of the whole server).
func faultScenarios() []grader.Scenario {
	return []grader.Scenario{
		{ID: "duplicate-sequential", Run: duplicateSequential},
		{ID: "duplicate-concurrent", Run: duplicateConcurrent},
		{ID: "duplicate-changed-body", Run: duplicateChangedBody},
		{ID: "ingress-idempotency-key", Run: ingressIdempotencyKey},
		{ID: "gateway-transient", Run: gatewayTransient},
		{ID: "gateway-permanent", Run: gatewayPermanent},
		{ID: "crash-before-completion", Run: crashBeforeCompletion},
		{ID: "crash-after-run-recorded", Run: crashAfterRunRecorded},
		{ID: "hold-after-state-write", Run: holdAfterStateWrite},
		{ID: "concurrent-burst", Run: concurrentBurst},
		{ID: "kill-while-parked", Exclusive: true, Run: killWhileParked},
		{ID: "restart-server", Exclusive: true, Run: restartServer},
	}
}

func TestFaultKindsHaveEffect(t *testing.T) {
	t.Parallel()
	r := gradetest.Grade(t, probeExercise("faults", false, faultScenarios()...), probeDir, 1, "native")
	requireJudged(t, r)
	assertAllPass(t, r)
}

// Restarting a containerised server keeps its data too (the container runtime restarts
// the container on its volume, not a new one). So does killing the service under it.
func TestFaultKindsRestartServerInContainer(t *testing.T) {
	t.Parallel()
	gradetest.RequireDocker(t)
	ex := probeExercise("faults-container", false,
		grader.Scenario{ID: "restart-server", Exclusive: true, Run: restartServer},
		grader.Scenario{ID: "kill-while-parked", Exclusive: true, Run: killWhileParked},
	)
	r := gradetest.Grade(t, ex, probeDir, 2, "container")
	requireJudged(t, r)
	assert.Equal(t, "container", r.Runtime)
	assertAllPass(t, r)
}

// With ForcedReplay every await suspends, so a handler with two awaits is entered once
// per resumption; without it, once.
func TestFaultKindForcedReplay(t *testing.T) {
	t.Parallel()
	for _, forced := range []bool{true, false} {
		t.Run(fmt.Sprintf("forced=%v", forced), func(t *testing.T) {
			ex := probeExercise("replay", forced, grader.Scenario{ID: "forced-replay", Run: forcedReplay(forced)})
			r := gradetest.Grade(t, ex, probeDir, 3, "native")
			requireJudged(t, r)
			assertAllPass(t, r)
		})
	}
}

// requireJudged stops when the run as a whole failed (build, start, registration).
func requireJudged(t *testing.T, r *grader.Report) {
	t.Helper()
	if r.Error != "" && len(r.Criteria) > 0 {
		require.Empty(t, r.Error, "%s", r.Criteria[0].Evidence)
	}
	require.Empty(t, r.Error)
}

func assertAllPass(t *testing.T, r *grader.Report) {
	t.Helper()
	require.NotEmpty(t, r.Criteria)
	t.Logf("%s on %s: %d ms (build %d, server %d, service %d, scenarios %d)", r.Exercise, r.Runtime, r.DurationMS,
		r.Timings.Build, r.Timings.Server, r.Timings.Service, r.Timings.Scenarios)
	for _, c := range r.Criteria {
		t.Run(c.ID, func(t *testing.T) {
			t.Log(c.Evidence)
			assert.Equal(t, grader.StatusPass, c.Status, "%s", c.Evidence)
		})
	}
}

// --- one fault kind each ---

// Kind 1: without an ingress key, every duplicate runs the handler.
func duplicateSequential(ctx context.Context, env *grader.Env) error {
	key := env.NewKey(probeService, "seq")
	sent := "Bump " + key + " 3 times, one after the other"
	env.Step("%s", sent)
	if err := grader.Sequentially(ctx, 3, func(ctx context.Context, _ int) error {
		_, err := bump(ctx, env, key, "same")
		return err
	}); err != nil {
		return env.Unexpected(sent, "every call answers", err)
	}
	return expectCounts(ctx, env, sent, key, probeCounts{Entered: 3, Runs: 3, Stored: 3, Note: "same"})
}

func duplicateConcurrent(ctx context.Context, env *grader.Env) error {
	key := env.NewKey(probeService, "conc")
	sent := "Bump " + key + " 5 times at once"
	env.Step("%s", sent)
	if err := grader.Concurrently(ctx, 5, func(ctx context.Context, _ int) error {
		_, err := bump(ctx, env, key, "same")
		return err
	}); err != nil {
		return env.Unexpected(sent, "every call answers", err)
	}
	return expectCounts(ctx, env, sent, key, probeCounts{Entered: 5, Runs: 5, Stored: 5, Note: "same"})
}

func duplicateChangedBody(ctx context.Context, env *grader.Env) error {
	key := env.NewKey(probeService, "body")
	sent := "Bump " + key + " with note \"first\", then with note \"second\""
	env.Step("%s", sent)
	if err := grader.Sequentially(ctx, 2, func(ctx context.Context, i int) error {
		_, err := bump(ctx, env, key, []string{"first", "second"}[i])
		return err
	}); err != nil {
		return env.Unexpected(sent, "every call answers", err)
	}
	return expectCounts(ctx, env, sent, key, probeCounts{Entered: 2, Runs: 2, Stored: 2, Note: "second"})
}

// Kind 2: a duplicate with the same ingress key returns the first answer without running
// the handler, even with a changed body; without the key the handler runs again.
func ingressIdempotencyKey(ctx context.Context, env *grader.Env) error {
	key, ik := env.NewKey(probeService, "ik"), fmt.Sprintf("ik-%08x", env.Rand.Uint32())
	sent := "Bump " + key + " twice with idempotency key " + ik + " (notes \"first\", \"second\")"
	env.Step("%s", sent)
	answers := make([]probeCounts, 2)
	if err := grader.Sequentially(ctx, 2, func(ctx context.Context, i int) error {
		var err error
		answers[i], err = bump(ctx, env, key, []string{"first", "second"}[i], grader.IdempotencyKey(ik))
		return err
	}); err != nil {
		return env.Unexpected(sent, "every call answers", err)
	}
	if answers[1] != answers[0] {
		return grader.Fail(sent, "the duplicate gets the first answer", "%+v, then %+v", answers[0], answers[1])
	}
	if err := expectCounts(ctx, env, sent, key, probeCounts{Entered: 1, Runs: 1, Stored: 1, Note: "first"}); err != nil {
		return err
	}

	plain := env.NewKey(probeService, "noik")
	sent = "Bump " + plain + " twice without an idempotency key"
	env.Step("%s", sent)
	if err := grader.Sequentially(ctx, 2, func(ctx context.Context, i int) error {
		_, err := bump(ctx, env, plain, "first")
		return err
	}); err != nil {
		return env.Unexpected(sent, "every call answers", err)
	}
	return expectCounts(ctx, env, sent, plain, probeCounts{Entered: 2, Runs: 2, Stored: 2, Note: "first"})
}

// Kind 3: transient gateway failures are retried until the gateway delivers.
func gatewayTransient(ctx context.Context, env *grader.Env) error {
	key := env.NewKey(probeService, "trans")
	rule := env.World.On(world.Arg(world.ArgReference, key)).FailNext(3)
	defer rule.Remove()
	sent := "Notify " + key + " with the next 3 gateway calls failing transiently"
	env.Step("%s", sent)
	id, err := notify(ctx, env, key)
	if err != nil {
		return env.Unexpected(sent, "a notification id", err)
	}
	calls := env.World.Calls(world.Arg(world.ArgReference, key))
	delivered := calls.Delivered()
	return expect(sent, calls.String(),
		eq("rule fired", rule.Fired(), 3),
		eq("failed calls", len(calls.Failed()), 3),
		eq("delivered calls", len(delivered), 1),
		eq("answer is the delivered id", len(delivered) == 1 && delivered[0].Result == id, true),
	)
}

// Kind 3: a permanent failure ends the call terminally, without retries.
func gatewayPermanent(ctx context.Context, env *grader.Env) error {
	key := env.NewKey(probeService, "perm")
	rule := env.World.On(world.Arg(world.ArgReference, key)).FailPermanently("")
	defer rule.Remove()
	sent := "Notify " + key + " with the gateway failing permanently"
	env.Step("%s", sent)
	_, err := notify(ctx, env, key)
	if grader.Code(err) == 0 {
		return err
	}
	calls := env.World.Calls(world.Arg(world.ArgReference, key))
	ids := env.Proxy.Invocations(proxyTarget(key, "Notify"))
	attempts := 0
	if len(ids) == 1 {
		attempts = env.Proxy.AttemptsOf(ids[0])
	}
	return expect(sent, calls.String(),
		eq("answer code", grader.Code(err), 422),
		eq("rule fired", rule.Fired(), 1),
		eq("failed permanently", len(calls.Where(func(c world.Call) bool { return c.ErrKind == world.KindPermanent })), 1),
		eq("delivered calls", len(calls.Delivered()), 0),
		eq("invocations", len(ids), 1),
		eq("attempts", attempts, 1),
	)
}

// Kind 4: the service's output is dropped; Restate replays the journal, so the direct
// counter sees two entries and the Run body ran once.
func crashBeforeCompletion(ctx context.Context, env *grader.Env) error {
	key := env.NewKey(probeService, "cbc")
	crash := env.ArmCrash(probeTarget(key, "Bump"), proxy.CrashBeforeCompletion, 1)
	defer crash.Disarm()
	sent := "Bump " + key + " with its first attempt crashed before completion"
	env.Step("%s", sent)
	got, err := bump(ctx, env, key, "crashed")
	if err != nil {
		return env.Unexpected(sent, "the counts", err)
	}
	if err := crash.Check(); err != nil {
		return err
	}
	if err := expect(sent, "", eq("attempts of the invocation", attemptsOf(env, key, "Bump"), 2), eq("answer's stored counter", got.Stored, 1)); err != nil {
		return err
	}
	return expectCounts(ctx, env, sent, key, probeCounts{Entered: 2, Runs: 1, Stored: 1, Note: "crashed"})
}

// The proxy holds an attempt right after its first state write: a shared handler reads
// that write while the attempt has not answered, and the attempt goes on after Release.
func holdAfterStateWrite(ctx context.Context, env *grader.Env) error {
	key := env.NewKey(probeService, "hold")
	hold := env.ArmStateHold(probeTarget(key, "Bump"))
	defer hold.Release()
	sent := "Bump " + key + ", held right after its state write"
	env.Step("%s", sent)
	type answer struct {
		c   probeCounts
		err error
	}
	done := make(chan answer, 1)
	go func() {
		c, err := bump(ctx, env, key, "held")
		done <- answer{c, err}
	}()
	select {
	case <-hold.Held():
	case a := <-done:
		return fmt.Errorf("%s: answered without being held (%v, %v)", sent, a.c, a.err)
	case <-ctx.Done():
		return ctx.Err()
	}
	if err := hold.Journaled(ctx); err != nil {
		return err
	}
	mid, err := counts(ctx, env, key)
	if err != nil {
		return env.Unexpected("Counts "+key+" while Bump is held", "the counts", err)
	}
	select {
	case a := <-done:
		return fmt.Errorf("%s: answered while held (%v, %v)", sent, a.c, a.err)
	default:
	}
	if err := expect(sent, "", eq("stored counter read while held", mid.Stored, 1)); err != nil {
		return err
	}
	hold.Release()
	a := <-done
	if a.err != nil {
		return env.Unexpected(sent, "the counts once released", a.err)
	}
	return expect(sent, "", eq("attempts", attemptsOf(env, key, "Bump"), 1), eq("answer's stored counter", a.c.Stored, 1))
}

// Kind 5: the stream breaks right after the Run's result was recorded: the retry replays
// that result, so the gateway call inside the Run happened once.
func crashAfterRunRecorded(ctx context.Context, env *grader.Env) error {
	key := env.NewKey(probeService, "carr")
	crash := env.ArmCrash(probeTarget(key, "Notify"), proxy.CrashAfterRunRecorded, 1)
	defer crash.Disarm()
	sent := "Notify " + key + " with the stream broken right after the Run was recorded"
	env.Step("%s", sent)
	id, err := notify(ctx, env, key)
	if err != nil {
		return env.Unexpected(sent, "a notification id", err)
	}
	if err := crash.Check(); err != nil {
		return err
	}
	delivered := env.World.Calls(world.Arg(world.ArgReference, key)).Delivered()
	if err := expect(sent, delivered.String(),
		eq("attempts of the invocation", attemptsOf(env, key, "Notify"), 2),
		eq("delivered calls", len(delivered), 1),
		eq("answer is the delivered id", len(delivered) == 1 && delivered[0].Result == id, true),
	); err != nil {
		return err
	}
	return expectCounts(ctx, env, sent, key, probeCounts{Entered: 2, Runs: 1})
}

// Kind 9: a burst across keys; every call completes and each key counts its own.
func concurrentBurst(ctx context.Context, env *grader.Env) error {
	const keys, perKey = 4, 3
	ks := make([]string, keys)
	for i := range ks {
		ks[i] = env.NewKey(probeService, "burst")
	}
	sent := fmt.Sprintf("Bump %d keys %d times each, all at once", keys, perKey)
	env.Step("%s", sent)
	answered := make([]bool, keys*perKey)
	if err := grader.Concurrently(ctx, keys*perKey, func(ctx context.Context, i int) error {
		_, err := bump(ctx, env, ks[i%keys], "burst")
		answered[i] = err == nil
		return err
	}); err != nil {
		return env.Unexpected(sent, "every call answers", err)
	}
	for i, ok := range answered {
		if !ok {
			return grader.Fail(sent, "every call answered", "call %d did not", i)
		}
	}
	for _, k := range ks {
		if err := expectCounts(ctx, env, sent, k, probeCounts{Entered: perKey, Runs: perKey, Stored: perKey, Note: "burst"}); err != nil {
			return err
		}
	}
	return nil
}

// Kind 6: the parked gateway call is abandoned with the killed process, the new process
// makes it again, once; the answer is that delivery.
func killWhileParked(ctx context.Context, env *grader.Env) error {
	key := env.NewKey(probeService, "kill")
	before, err := counts(ctx, env, key)
	if err != nil {
		return env.Unexpected("Counts "+key, "the counts", err)
	}
	sent := "Notify " + key + ", killing the service while its gateway call is parked"
	env.Step("%s", sent)
	var id string
	err = env.KillWhileParked(ctx, func(ctx context.Context) error {
		var err error
		id, err = notify(ctx, env, key)
		return err
	}, world.Arg(world.ArgReference, key))
	if err != nil {
		return env.Unexpected(sent, "a notification id", err)
	}
	after, err := counts(ctx, env, key)
	if err != nil {
		return env.Unexpected("Counts "+key, "the counts", err)
	}
	calls := env.World.Calls(world.Arg(world.ArgReference, key))
	delivered := calls.Delivered()
	abandoned := calls.Where(func(c world.Call) bool { return c.Abandoned })
	return expect(sent, calls.String(),
		eq("service process replaced", after.PID != before.PID, true),
		eq("abandoned calls", len(abandoned), 1),
		eq("delivered calls", len(delivered), 1),
		eq("answer is the delivered id", len(delivered) == 1 && delivered[0].Result == id, true),
		eq("entries into Notify on the new process", after.Entered, 1),
	)
}

// Kind 7: state survives a restart on the same data, and the invocation in flight across
// it completes (one invocation, a second attempt, one delivery).
func restartServer(ctx context.Context, env *grader.Env) error {
	kept := env.NewKey(probeService, "kept")
	env.Step("Bump %s", kept)
	if _, err := bump(ctx, env, kept, "kept"); err != nil {
		return env.Unexpected("Bump "+kept, "the counts", err)
	}

	key, ik := env.NewKey(probeService, "flight"), fmt.Sprintf("ik-%08x", env.Rand.Uint32())
	sent := "Notify " + key + " (idempotency key " + ik + "), restarting restate-server while its gateway call is parked"
	env.Step("%s", sent)
	var id string
	err := env.RestartServerWhileParked(ctx, func(ctx context.Context) error {
		var err error
		id, err = notify(ctx, env, key, grader.IdempotencyKey(ik))
		return err
	}, world.Arg(world.ArgReference, key))
	if err != nil {
		return env.Unexpected(sent, "a notification id", err)
	}
	ids := env.Proxy.Invocations(proxyTarget(key, "Notify"))
	attempts := 0
	if len(ids) == 1 {
		attempts = env.Proxy.AttemptsOf(ids[0])
	}
	calls := env.World.Calls(world.Arg(world.ArgReference, key))
	delivered := calls.Delivered()
	if err := expect(sent, calls.String(),
		eq("invocations", len(ids), 1),
		eq("attempts of the invocation >= 2", attempts >= 2, true),
		eq("first attempt's call still parked", len(env.World.Parked(world.Arg(world.ArgReference, key))), 1),
		eq("delivered calls", len(delivered), 1),
		eq("answer is the delivered id", len(delivered) == 1 && delivered[0].Result == id, true),
	); err != nil {
		return err
	}
	sent = "Counts and Bump " + kept + " after the restart"
	env.Step("%s", sent)
	if err := expectCounts(ctx, env, sent, kept, probeCounts{Entered: 1, Runs: 1, Stored: 1, Note: "kept"}); err != nil {
		return err
	}
	got, err := bump(ctx, env, kept, "kept")
	if err != nil {
		return env.Unexpected(sent, "the counts", err)
	}
	return expect(sent, "", eq("stored counter after the restart", got.Stored, 2))
}

// Kind 8: with forced replay, each of Replay's two awaits suspends and the resumption
// enters the handler again.
func forcedReplay(forced bool) func(ctx context.Context, env *grader.Env) error {
	return func(ctx context.Context, env *grader.Env) error {
		key := env.NewKey(probeService, "replay")
		sent := fmt.Sprintf("Replay %s (forced replay %v)", key, forced)
		env.Step("%s", sent)
		got, err := grader.Call[restate.Void, probeCounts](ctx, env, probeTarget(key, "Replay"), restate.Void{})
		if err != nil {
			return env.Unexpected(sent, "the counts", err)
		}
		attempts := attemptsOf(env, key, "Replay")
		env.Step("entered %d times in %d attempts", got.Entered, attempts)
		if forced {
			return expect(sent, fmt.Sprintf("entered %d times in %d attempts", got.Entered, attempts),
				eq("entered more than once", got.Entered > 1, true),
				eq("entered once per attempt", got.Entered, attempts))
		}
		return expect(sent, "", eq("entries", got.Entered, 1), eq("attempts", attempts, 1))
	}
}

// --- calls and checks ---

func probeTarget(key, handler string) grader.Target {
	return grader.Target{Service: probeService, Key: key, Handler: handler}
}

func proxyTarget(key, handler string) proxy.Target {
	return proxy.Target{Service: probeService, Key: key, Handler: handler}
}

func bump(ctx context.Context, env *grader.Env, key, note string, opts ...grader.CallOption) (probeCounts, error) {
	return grader.Call[string, probeCounts](ctx, env, probeTarget(key, "Bump"), note, opts...)
}

func notify(ctx context.Context, env *grader.Env, key string, opts ...grader.CallOption) (string, error) {
	return grader.Call[restate.Void, string](ctx, env, probeTarget(key, "Notify"), restate.Void{}, opts...)
}

func counts(ctx context.Context, env *grader.Env, key string) (probeCounts, error) {
	return grader.Call[restate.Void, probeCounts](ctx, env, probeTarget(key, "Counts"), restate.Void{})
}

// attemptsOf counts the attempts of the one invocation of handler on key (0 unless there
// was exactly one invocation).
func attemptsOf(env *grader.Env, key, handler string) int {
	ids := env.Proxy.Invocations(proxyTarget(key, handler))
	if len(ids) != 1 {
		return 0
	}
	return env.Proxy.AttemptsOf(ids[0])
}

// expectCounts reads key's counts and compares all but the PID with want.
func expectCounts(ctx context.Context, env *grader.Env, sent, key string, want probeCounts) error {
	got, err := counts(ctx, env, key)
	if err != nil {
		return env.Unexpected("Counts "+key, "the counts", err)
	}
	got.PID = 0
	if want.Stored == 0 && want.Note == "" { // Notify keeps neither
		got.Stored, got.Note = 0, ""
	}
	return expect(sent, "", eq("counts of "+key, got, want))
}

type expectation struct {
	what      string
	got, want any
}

func eq(what string, got, want any) expectation { return expectation{what, got, want} }

// expect fails with every expectation that does not hold, and the evidence.
func expect(sent, evidence string, es ...expectation) error {
	var bad []string
	for _, e := range es {
		if e.got != e.want {
			bad = append(bad, fmt.Sprintf("%s: got %+v, want %+v", e.what, e.got, e.want))
		}
	}
	if len(bad) == 0 {
		return nil
	}
	obs := strings.Join(bad, "; ")
	if evidence != "" {
		obs += "\n" + evidence
	}
	return grader.Fail(sent, "the fault's effect", "%s", obs)
}
