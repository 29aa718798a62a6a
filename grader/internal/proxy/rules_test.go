package proxy

import (
	"testing"

	"github.com/stretchr/testify/assert"
)

func TestTargetCovers(t *testing.T) {
	type testCase struct {
		pattern, target Target
		want            bool
	}
	exact := Target{Service: "S", Handler: "H", Key: "k"}
	for _, tc := range []testCase{
		{pattern: exact, target: exact, want: true},
		{pattern: Target{Service: "S", Handler: "H"}, target: exact, want: true},
		{pattern: Target{}, target: exact, want: true},
		{pattern: exact, target: Target{Service: "S", Handler: "H", Key: "k2"}, want: false},
		{pattern: exact, target: Target{Service: "S", Handler: "H"}, want: false},
		{pattern: Target{Service: "S", Handler: "H2"}, target: exact, want: false},
		{pattern: Target{Service: "S2", Handler: "H"}, target: exact, want: false},
	} {
		assert.Equalf(t, tc.want, tc.pattern.covers(tc.target), "%v covers %v", tc.pattern, tc.target)
	}
}

func TestTryFireConsumesOnlyWhenFiring(t *testing.T) {
	p := &Proxy{book: newLedger()}
	tg := Target{Service: "S", Handler: "H", Key: "k"}
	p.Arm(Target{Service: "S", Handler: "H"}, CrashBeforeCompletion, 2)
	p.Arm(tg, CrashAfterRunRecorded, 1)

	a := &attempt{target: tg}
	assert.True(t, p.tryFire(a, CrashAfterRunRecorded))
	assert.False(t, p.tryFire(a, CrashBeforeCompletion), "a broken attempt cannot break again")
	assert.False(t, p.tryFire(&attempt{target: tg}, CrashAfterRunRecorded), "armed once")

	other := Target{Service: "S", Handler: "H", Key: "other"}
	assert.True(t, p.tryFire(&attempt{target: other}, CrashBeforeCompletion))
	assert.True(t, p.tryFire(&attempt{target: tg}, CrashBeforeCompletion))
	assert.False(t, p.tryFire(&attempt{target: tg}, CrashBeforeCompletion), "armed twice")

	assert.Equal(t, 2, p.Fired(tg))
	assert.Equal(t, 1, p.Fired(other))
	assert.Equal(t, 3, p.Fired(Target{Service: "S"}))
	assert.Equal(t, 0, p.Fired(Target{Service: "T"}))
}

func TestDisarm(t *testing.T) {
	p := &Proxy{book: newLedger()}
	a := Target{Service: "S", Handler: "H", Key: "a"}
	b := Target{Service: "S", Handler: "H", Key: "b"}
	p.Arm(a, CrashBeforeCompletion, 3)
	p.Arm(b, CrashBeforeCompletion, 3)

	p.Disarm(a)
	assert.False(t, p.tryFire(&attempt{target: a}, CrashBeforeCompletion))
	assert.True(t, p.tryFire(&attempt{target: b}, CrashBeforeCompletion), "other keys stay armed")

	p.Disarm(Target{Service: "S", Handler: "H"})
	assert.False(t, p.tryFire(&attempt{target: b}, CrashBeforeCompletion), "an empty key disarms every key")
}

func TestBookkeeping(t *testing.T) {
	p := &Proxy{book: newLedger()}
	a := Target{Service: "S", Handler: "H", Key: "a"}
	b := Target{Service: "S", Handler: "H", Key: "b"}
	p.noteAttempt(a, "inv_1")
	p.noteAttempt(b, "inv_2")
	p.noteAttempt(a, "inv_1")
	p.noteAttempt(a, "inv_3")

	assert.Equal(t, 3, p.Attempts(a))
	assert.Equal(t, 4, p.Attempts(Target{Service: "S", Handler: "H"}))
	assert.Equal(t, 2, p.AttemptsOf("inv_1"))
	assert.Equal(t, 0, p.AttemptsOf("inv_9"))
	assert.Equal(t, []string{"inv_1", "inv_3"}, p.Invocations(a))
	assert.Equal(t, []string{"inv_1", "inv_2", "inv_3"}, p.Invocations(Target{}))
}

func TestTryFireRunBreaksEachRunOnce(t *testing.T) {
	p := &Proxy{book: newLedger()}
	tg := Target{Service: "S", Handler: "H", Key: "k"}
	p.Arm(tg, CrashAfterRunRecorded, 2)

	first := &attempt{target: tg, id: "inv_1"}
	assert.True(t, p.tryFireRun(first, 1), "first run, live")

	second := &attempt{target: tg, id: "inv_1"}
	assert.False(t, p.tryFireRun(second, 1), "first run again, replayed")
	assert.True(t, p.tryFireRun(second, 2), "second run, live")

	third := &attempt{target: tg, id: "inv_1"}
	assert.False(t, p.tryFireRun(third, 1))
	assert.False(t, p.tryFireRun(third, 2))
	assert.Equal(t, 2, p.Fired(tg))

	p.Arm(tg, CrashAfterRunRecorded, 1)
	other := &attempt{target: tg, id: "inv_2"}
	assert.True(t, p.tryFireRun(other, 1), "another invocation has runs of its own")
}
