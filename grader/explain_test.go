package grader_test

import (
	"os"
	"path/filepath"
	"testing"

	"idempotency/grader"
	"idempotency/grader/ex1"
	"idempotency/grader/internal/admin"

	"github.com/stretchr/testify/assert"
)

// The journal mismatches (internal/explain/testdata) and the logs below were captured
// from restate-server 1.7.12 and sdk-go 1.2.0 running grader/testdata/loop/probe;
// TestExplainLive checks that they still look like this.
var (
	mismatchValue   = captured("mismatch-value")
	mismatchKind    = captured("mismatch-kind")
	mismatchRunName = captured("mismatch-run-name")
)

func captured(name string) string {
	b, err := os.ReadFile(filepath.Join("internal", "explain", "testdata", name+".txt"))
	if err != nil {
		panic(err)
	}
	return string(b)
}

const (
	plainLog = `time=2026-11-27T12:51:20.488Z level=WARN msg="Invocation returned a non-terminal failure" method=Probe/Plain invocationID=inv_1 err="payment gateway said no"
time=2026-11-27T12:51:20.488Z level=ERROR msg="Invocation panicked, returning error to Restate" method=Probe/Plain invocationID=inv_1 err="payment gateway said no"
time=2026-11-27T12:51:20.546Z level=WARN msg="Invocation returned a non-terminal failure" method=Probe/Plain invocationID=inv_1 err="payment gateway said no"
time=2026-11-27T12:51:20.546Z level=ERROR msg="Invocation panicked, returning error to Restate" method=Probe/Plain invocationID=inv_1 err="payment gateway said no"
time=2026-11-27T12:51:20.666Z level=WARN msg="Invocation returned a non-terminal failure" method=Probe/Plain invocationID=inv_1 err="payment gateway said no"
`
	panicLog = `time=2026-11-27T12:51:24.402Z level=ERROR msg="Invocation panicked, returning error to Restate" method=Probe/Panics invocationID=inv_2 err="assignment to entry in nil map"
time=2026-11-27T12:51:24.470Z level=ERROR msg="Invocation panicked, returning error to Restate" method=Probe/Panics invocationID=inv_2 err="assignment to entry in nil map"
`
)

func TestExplainCall(t *testing.T) {
	type testCase struct {
		name string
		err  grader.CallError
		log  string
		want []string
		not  []string
	}
	probe := func(h string) grader.Target { return grader.Target{Service: "Probe", Key: "k", Handler: h} }
	cases := []testCase{
		{
			name: "mismatch on a value says which command and that it is a time",
			err:  grader.CallError{Target: probe("CreateOrder"), Code: 570, Message: mismatchValue, FromHandler: true},
			want: []string{"CreateOrder is not deterministic", "570", "step #1 (restate.Set", "different value", "looks like a time", "restate.Run"},
		},
		{
			name: "mismatch on the kind of command names both",
			err:  grader.CallError{Target: probe("CancelOrder"), Code: 570, Message: mismatchKind, FromHandler: true},
			want: []string{"step #1 was restate.Set ('set state') the first time but restate.Clear ('clear state') on replay", "map iteration order"},
		},
		{
			name: "mismatch on a run's name",
			err:  grader.CallError{Target: probe("Pay"), Code: 570, Message: mismatchRunName, FromHandler: true},
			want: []string{"step #4 (restate.Run ('run')) had a different name: charge-4410 the first time, charge-9012 on replay", "restate.Rand(ctx)"},
			not:  []string{"looks like a time"},
		},
		{
			name: "a plain error retried until killed",
			err:  grader.CallError{Target: probe("Plain"), Code: 500, Message: "payment gateway said no", FromHandler: true},
			log:  plainLog,
			want: []string{"Plain returned a plain Go error", "ran it 3 times", "restate.ToTerminalError"},
		},
		{
			name: "a panic in a handler",
			err:  grader.CallError{Target: probe("Panics"), Code: 500, Message: "assignment to entry in nil map", FromHandler: true},
			log:  panicLog,
			want: []string{"Panics panicked", "ran it 2 times", "nil map"},
			not:  []string{"plain Go error"},
		},
		{
			name: "a terminal 500 the handler chose is not called a retry",
			err:  grader.CallError{Target: probe("Plain"), Code: 500, Message: "payment gateway said no", FromHandler: true},
			log:  "",
			want: []string{"Plain answered 500: payment gateway said no"},
		},
		{
			name: "anything else falls back to Describe",
			err:  grader.CallError{Target: probe("GetOrder"), Code: 501, Message: "not implemented", FromHandler: true},
			want: []string{"501 not implemented"},
		},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			got := grader.ExplainCall(&tc.err, tc.log)
			for _, w := range tc.want {
				assert.Contains(t, got, w)
			}
			for _, n := range tc.not {
				assert.NotContains(t, got, n)
			}
		})
	}
}

func TestRegistrationFailureNamesRenames(t *testing.T) {
	ex := ex1.Exercise()
	handlers := func(names ...string) []admin.Handler {
		var hs []admin.Handler
		for _, n := range names {
			hs = append(hs, admin.Handler{Name: n})
		}
		return hs
	}
	type testCase struct {
		name string
		dep  admin.Deployment
		want []string // empty: no failure
	}
	cases := []testCase{
		{"all there", admin.Deployment{Services: []admin.Service{{Name: "OrderService", Handlers: handlers("CreateOrder", "GetOrder", "CancelOrder", "UpdateOrder")}}}, nil},
		{"renamed handler", admin.Deployment{Services: []admin.Service{{Name: "OrderService", Handlers: handlers("CreateOrders", "GetOrder", "CancelOrder", "UpdateOrder")}}},
			[]string{"handler OrderService.CreateOrder is missing (you registered OrderService.CreateOrders: renamed?)"}},
		{"renamed service", admin.Deployment{Services: []admin.Service{{Name: "OrderSvc", Handlers: handlers("CreateOrder", "GetOrder", "CancelOrder", "UpdateOrder")}}},
			[]string{"service OrderService is missing (you registered OrderSvc: renamed?)"}},
		{"deleted handler", admin.Deployment{Services: []admin.Service{{Name: "OrderService", Handlers: handlers("CreateOrder", "GetOrder", "CancelOrder")}}},
			[]string{"handler OrderService.UpdateOrder is missing (your deployment"}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			f := grader.CheckRegistration(ex, tc.dep).Failure(ex.Services)
			if len(tc.want) == 0 {
				assert.Nil(t, f)
				return
			}
			if assert.NotNil(t, f) {
				for _, w := range tc.want {
					assert.Contains(t, f.Observed, w)
				}
				assert.Contains(t, f.Hint, "contract/ex1")
			}
		})
	}
}

// Registration keeps which handlers Restate registered as shared, as its admin API says.
func TestRegistrationKnowsSharedHandlers(t *testing.T) {
	dep := admin.Deployment{Services: []admin.Service{{Name: "OrderService", Handlers: []admin.Handler{
		{Name: "CreateOrder", Ty: "Exclusive"}, {Name: "GetOrder", Ty: "Shared"}}}}}
	r := grader.CheckRegistration(ex1.Exercise(), dep)
	assert.True(t, r.Shared("OrderService", "GetOrder"))
	assert.False(t, r.Shared("OrderService", "CreateOrder"))
	assert.False(t, r.Shared("OrderService", "CancelOrder"), "a handler not registered is not shared")
}

func TestCallErrorMismatch(t *testing.T) {
	ce := &grader.CallError{Code: 570, Message: mismatchKind, FromHandler: true}
	m, ok := ce.Mismatch()
	assert.True(t, ok)
	assert.Equal(t, "set state", m.Recorded, "two kinds of step: another branch")
	assert.Equal(t, "clear state", m.Command)
	assert.True(t, ce.IsMismatch())
	_, ok = (&grader.CallError{Code: 500, Message: "amount mismatch", FromHandler: true}).Mismatch()
	assert.False(t, ok, "a handler's own error that says mismatch")
}
