package grader_test

import (
	"errors"
	"testing"

	"idempotency/grader"
	"idempotency/grader/admin"
	"idempotency/grader/ex1"

	"github.com/stretchr/testify/assert"
)

// The messages below were captured from restate-server 1.7.12 and sdk-go 1.2.0 running
// grader/testdata/loop/probe; TestExplainLive checks that they still look like this.
const (
	mismatchValue = "Found a mismatch between the code paths taken during the previous execution and the paths taken during this execution.\n" +
		"This typically happens when some parts of the code are non-deterministic.\n" +
		"- The mismatch happened while executing 'set state' (index '1')\n" +
		"- Difference:\n" +
		"   value: '\"2026-11-27 12:51:11.536620718 +0000 UTC m=+3.627682104\"' != '\"2026-11-27 12:51:15.460851552 +0000 UTC m=+7.551912918\"'"
	mismatchKind = "Found a mismatch between the code paths taken during the previous execution and the paths taken during this execution.\n" +
		"This typically happens when some parts of the code are non-deterministic.\n" +
		" - The previous execution ran and recorded the following: 'set state' (index '1')\n" +
		" - The current execution attempts to perform the following: 'clear state'"
	mismatchRunName = "Found a mismatch between the code paths taken during the previous execution and the paths taken during this execution.\n" +
		"This typically happens when some parts of the code are non-deterministic.\n" +
		"- The mismatch happened while executing 'run' (index '4')\n" +
		"- Difference:\n" +
		"   name: charge-4410 != charge-9012"
	plainLog = `time=2026-11-27T12:51:20.488Z level=WARN msg="Invocation returned a non-terminal failure" method=Probe/Plain invocationID=inv_1 err="payment gateway said no"
time=2026-11-27T12:51:20.488Z level=ERROR msg="Invocation panicked, returning error to Restate" method=Probe/Plain invocationID=inv_1 err="payment gateway said no"
time=2026-11-27T12:51:20.546Z level=WARN msg="Invocation returned a non-terminal failure" method=Probe/Plain invocationID=inv_1 err="payment gateway said no"
time=2026-11-27T12:51:20.546Z level=ERROR msg="Invocation panicked, returning error to Restate" method=Probe/Plain invocationID=inv_1 err="payment gateway said no"
time=2026-11-27T12:51:20.666Z level=WARN msg="Invocation returned a non-terminal failure" method=Probe/Plain invocationID=inv_1 err="payment gateway said no"
`
	panicLog = `time=2026-11-27T12:51:24.402Z level=ERROR msg="Invocation panicked, returning error to Restate" method=Probe/Panics invocationID=inv_2 err="assignment to entry in nil map"
time=2026-11-27T12:51:24.470Z level=ERROR msg="Invocation panicked, returning error to Restate" method=Probe/Panics invocationID=inv_2 err="assignment to entry in nil map"
`
	plainFailure = "[500 Internal] payment gateway said no\ngoroutine 405 [running]:\nruntime/debug.Stack()\n\t/usr/local/go/src/runtime/debug/stack.go:26 +0x5e\n" +
		"github.com/restatedev/sdk-go/internal/restatecontext.invoke.func2()\n\t/root/go/pkg/mod/github.com/restatedev/sdk-go@v1.2.0/internal/restatecontext/execute_invocation.go:58 +0x1c5\n" +
		"panic({0xac5900?, 0x12a335a478f0?})\n\t/usr/local/go/src/runtime/panic.go:860 +0x13a\n" +
		"github.com/restatedev/sdk-go/internal/restatecontext.invoke(0x12a336ae1680, {0xbdd6e0, 0x12a3356f62a0}, 0x12a335a47810)\n\t/root/go/pkg/mod/github.com/restatedev/sdk-go@v1.2.0/internal/restatecontext/execute_invocation.go:91 +0x716\n"
	panicFailure = "[500 Internal] assignment to entry in nil map\ngoroutine 407 [running]:\nruntime/debug.Stack()\n\t/usr/local/go/src/runtime/debug/stack.go:26 +0x5e\n" +
		"github.com/restatedev/sdk-go/internal/restatecontext.invoke.func2()\n\t/root/go/pkg/mod/github.com/restatedev/sdk-go@v1.2.0/internal/restatecontext/execute_invocation.go:58 +0x1c5\n" +
		"panic({0xad46e0?, 0x125c8c0?})\n\t/usr/local/go/src/runtime/panic.go:860 +0x13a\n" +
		"main.OrderService.CreateOrder({}, {0x0?, 0x48cd33?})\n\t/work/main/exercises/ex1/order_service.go:44 +0x28\n" +
		"reflect.Value.call({0x12a33563c360?, 0x12a3355bc1e8?, 0x4881bf?}, {0xb980bd, 0x4}, {0x12a336ad71b8, 0x2, 0x12a336ad7118?})\n\t/usr/local/go/src/reflect/value.go:586 +0xf0c\n"
	crashOutput = "time=2026-11-27T12:51:07.911Z level=WARN msg=\"Accepting requests without validating request signatures; handler access must be restricted\"\n" +
		"panic: runtime error: invalid memory address or nil pointer dereference\n[signal SIGSEGV: segmentation violation code=0x1 addr=0x0 pc=0x9d8f2e]\n\n" +
		"goroutine 52 [running]:\nmain.OrderService.CreateOrder.func1()\n\t/work/main/exercises/ex1/order_service.go:61 +0x2e\n" +
		"created by main.OrderService.CreateOrder in goroutine 40\n\t/work/main/exercises/ex1/order_service.go:60 +0x8c\n"
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

func TestExplainInvocation(t *testing.T) {
	type testCase struct {
		name string
		inv  admin.Invocation
		want []string
	}
	thirteen := 13
	cases := []testCase{
		{
			name: "plain error: the stack has only the SDK's frames",
			inv:  admin.Invocation{Handler: "Plain", Status: "backing-off", RetryCount: &thirteen, LastFailure: plainFailure, LastFailureCode: "RT0007"},
			want: []string{"Plain returned a plain Go error (\"payment gateway said no\")", "13 attempts so far"},
		},
		{
			name: "panic: the stack names the learner's line",
			inv:  admin.Invocation{Handler: "CreateOrder", Status: "backing-off", RetryCount: &thirteen, LastFailure: panicFailure, LastFailureCode: "RT0007"},
			want: []string{"CreateOrder panicked at order_service.go:44 (OrderService.CreateOrder)", "assignment to entry in nil map"},
		},
		{
			name: "journal mismatch",
			inv:  admin.Invocation{Handler: "CreateOrder", Status: "backing-off", LastFailure: "[570 Journal mismatch] " + mismatchValue, LastFailureCode: "RT0016"},
			want: []string{"CreateOrder is not deterministic", "restate.Set"},
		},
		{
			name: "waiting without a failure",
			inv:  admin.Invocation{Handler: "Reserve", Status: "suspended"},
			want: []string{"Reserve was suspended with no recorded failure"},
		},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			got := grader.ExplainInvocation(tc.inv)
			for _, w := range tc.want {
				assert.Contains(t, got, w)
			}
		})
	}
}

func TestExplainCrash(t *testing.T) {
	got := grader.ExplainCrash(crashOutput)
	assert.Contains(t, got, `"panic: runtime error: invalid memory address or nil pointer dereference"`)
	assert.Contains(t, got, "order_service.go:61 (OrderService.CreateOrder.func1)")
	assert.Empty(t, grader.ExplainCrash("serve: listen on 127.0.0.1:9080: address already in use\n"))
}

func TestExplainRegistration(t *testing.T) {
	type testCase struct {
		name string
		err  string
		want string
	}
	cases := []testCase{
		{"not listening", `register deployment http://127.0.0.1:1: POST /deployments: status 500: {"message":"[META0003] [META0003] error when calling 'http://127.0.0.1:1/': h2 pool connection error: Connection refused (os error 111)","restate_code":"META0003"}`,
			"could not connect to your service at http://127.0.0.1:1"},
		{"not a restate deployment", `register deployment http://127.0.0.1:5: POST /deployments: status 500: {"message":"[META0003] error when calling 'http://127.0.0.1:5/': h2 protocol error: http2 error","restate_code":"META0003"}`,
			"not as a Restate deployment"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			err := grader.ExplainRegistration(errors.New(tc.err), "http://127.0.0.1:1")
			assert.ErrorContains(t, err, tc.want)
			assert.ErrorContains(t, err, "META0003", "the original error stays in the message")
		})
	}
	assert.NoError(t, grader.ExplainRegistration(nil, ""))
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

// Restate prints a stored struct as JSON: the explanation names the fields that differ,
// and does not call it a time because an unchanged field holds one.
func TestExplainMismatchOfAStoredStruct(t *testing.T) {
	msg := "Found a mismatch between the code paths taken during the previous execution and the paths taken during this execution.\n" +
		"This typically happens when some parts of the code are non-deterministic.\n" +
		"- The mismatch happened while executing 'set state' (index '3')\n" +
		"- Difference:\n" +
		`   value: '{"orderId":"ord-55b1-bbc098","orderNumber":"ORD-501490391059","status":"pending","createdAt":"2026-11-27T13:09:12.238731455Z"}' != '{"orderId":"ord-55b1-bbc098","orderNumber":"ORD-108852906248","status":"pending","createdAt":"2026-11-27T13:09:12.238731455Z"}'`
	got := grader.ExplainCall(&grader.CallError{Target: grader.Target{Handler: "CreateOrder"}, Code: 570, Message: msg, FromHandler: true}, "")
	assert.Contains(t, got, `step #3 (restate.Set ('set state')) had a different value: orderNumber: "ORD-501490391059" the first time, orderNumber: "ORD-108852906248" on replay`)
	assert.NotContains(t, got, "looks like a time")
	assert.Contains(t, got, "restate.Rand(ctx)")
}
