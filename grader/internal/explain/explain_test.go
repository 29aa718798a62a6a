package explain

import (
	"errors"
	"os"
	"path/filepath"
	"testing"

	"idempotency/grader/internal/admin"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// The journal mismatches in testdata/ and the messages below were captured from
// restate-server 1.7.12 and sdk-go 1.2.0 running grader/testdata/loop/probe; grader's
// TestExplainLive checks that they still look like this (and grader's explain_test.go
// reads the same mismatches, and holds the logs ExplainCall reads).
var (
	mismatchValue   = captured("mismatch-value")
	mismatchKind    = captured("mismatch-kind")
	mismatchRunName = captured("mismatch-run-name")
)

func captured(name string) string {
	b, err := os.ReadFile(filepath.Join("testdata", name+".txt"))
	if err != nil {
		panic(err)
	}
	return string(b)
}

const (
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

// One parser reads every form of the message Restate prints.
func TestParseMismatch(t *testing.T) {
	type testCase struct {
		name string
		msg  string
		want Mismatch
	}
	cases := []testCase{
		{"a value differs", mismatchValue, Mismatch{Command: "set state", Index: 1, Field: "value",
			Before: `"2026-11-27 12:51:11.536620718 +0000 UTC m=+3.627682104"`, After: `"2026-11-27 12:51:15.460851552 +0000 UTC m=+7.551912918"`}},
		{"the kind of step differs", mismatchKind, Mismatch{Command: "clear state", Recorded: "set state", Index: 1}},
		{"a run's name differs", mismatchRunName, Mismatch{Command: "run", Index: 4, Field: "name", Before: "charge-4410", After: "charge-9012"}},
		{"a mismatch named only by its code", "[RT0016] mismatch", Mismatch{Index: -1}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			got, ok := ParseMismatch(tc.msg)
			require.True(t, ok)
			got.diffs = nil
			assert.Equal(t, tc.want, got)
		})
	}
	_, ok := ParseMismatch("payment gateway said no")
	assert.False(t, ok)
}

func TestMismatchExplain(t *testing.T) {
	type testCase struct {
		name string
		msg  string
		want []string
		not  []string
	}
	cases := []testCase{
		{"a value: which command, and that it is a time", mismatchValue,
			[]string{"CreateOrder is not deterministic", "570", "step #1 (restate.Set", "different value", "looks like a time", "restate.Run"}, nil},
		{"the kind of command: both named", mismatchKind,
			[]string{"step #1 was restate.Set ('set state') the first time but restate.Clear ('clear state') on replay", "map iteration order"}, nil},
		{"a run's name", mismatchRunName,
			[]string{"step #4 (restate.Run ('run')) had a different name: charge-4410 the first time, charge-9012 on replay", "restate.Rand(ctx)"}, []string{"looks like a time"}},
		{"nothing named", "[RT0016] mismatch", []string{"one of its steps differed"}, nil},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			m, _ := ParseMismatch(tc.msg)
			got := m.Explain("CreateOrder", 570)
			for _, w := range tc.want {
				assert.Contains(t, got, w)
			}
			for _, n := range tc.not {
				assert.NotContains(t, got, n)
			}
		})
	}
}

func TestMismatchDetailShowsWhereAttemptsDiffer(t *testing.T) {
	msg := "Found a mismatch between the code paths taken during the previous execution and the paths taken during this execution.\n" +
		"This typically happens when some parts of the code are non-deterministic.\n" +
		"- The mismatch happened while executing 'set state' (index '3')\n" +
		"- Difference:\n" +
		`   value: '{"orderNumber":"ORD-162009601038","status":"pending"}' != '{"orderNumber":"ORD-345458188594","status":"pending"}'`
	assert.Equal(t, "- The mismatch happened while executing 'set state' (index '3')\n"+
		`first attempt: {"orderNumber":"ORD-162009601038","status":"pending"}`+"\n"+
		`retry:         {"orderNumber":"ORD-345458188594","status":"pending"}`, MismatchDetail(msg))
	assert.Equal(t, "- The mismatch happened while executing 'run' (index '4')", MismatchDetail(mismatchRunName), "only a value is shown")
	assert.Equal(t, mismatchKind, MismatchDetail(mismatchKind), "two kinds of step: the message as it is")
	assert.Equal(t, "plain", MismatchDetail("plain"), "other messages pass through")
}

func TestRetried(t *testing.T) {
	const log = `time=2026-11-27T12:51:20.488Z level=WARN msg="Invocation returned a non-terminal failure" method=Probe/Plain invocationID=inv_1 err="payment gateway said no"
time=2026-11-27T12:51:20.546Z level=WARN msg="Invocation returned a non-terminal failure" method=Probe/Plain invocationID=inv_1 err="payment gateway said no"
time=2026-11-27T12:51:24.402Z level=ERROR msg="Invocation panicked, returning error to Restate" method=Probe/Panics invocationID=inv_2 err="assignment to entry in nil map"
`
	assert.Contains(t, Retried(log, "Probe/Plain", "Plain", "payment gateway said no"), "Plain returned a plain Go error (\"payment gateway said no\"). Restate treats a plain error as transient and ran it 2 times")
	assert.Contains(t, Retried(log, "Probe/Panics", "Panics", "assignment to entry in nil map"), "Panics panicked (\"assignment to entry in nil map\"). The SDK turns a panic into a transient failure, so Restate retried it until the attempt budget ran out")
	assert.Empty(t, Retried(log, "Probe/Plain", "Plain", "another error"), "a terminal error the handler chose")
	assert.Empty(t, Retried(log, "Probe/Pla", "Pla", "payment gateway said no"), "another handler's attempts")
}

func TestRenamedTo(t *testing.T) {
	assert.Equal(t, "CreateOrders", RenamedTo("CreateOrder", []string{"CreateOrders"}), "the only one")
	assert.Equal(t, "createOrder", RenamedTo("CreateOrder", []string{"Ping", "createOrder", "GetOrders"}), "the closest")
	assert.Empty(t, RenamedTo("CreateOrder", []string{"Ping", "Refund"}), "none is close")
}

func TestInvocation(t *testing.T) {
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
			got := Invocation(tc.inv)
			for _, w := range tc.want {
				assert.Contains(t, got, w)
			}
		})
	}
}

func TestCrash(t *testing.T) {
	got := Crash(crashOutput)
	assert.Contains(t, got, `"panic: runtime error: invalid memory address or nil pointer dereference"`)
	assert.Contains(t, got, "order_service.go:61 (OrderService.CreateOrder.func1)")
	assert.Empty(t, Crash("serve: listen on 127.0.0.1:9080: address already in use\n"))
}

func TestRegistration(t *testing.T) {
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
			err := Registration(errors.New(tc.err), "http://127.0.0.1:1")
			assert.ErrorContains(t, err, tc.want)
			assert.ErrorContains(t, err, "META0003", "the original error stays in the message")
		})
	}
	assert.NoError(t, Registration(nil, ""))
}

// Restate prints a stored struct as JSON: the explanation names the fields that differ,
// and does not call it a time because an unchanged field holds one.
func TestMismatchOfAStoredStruct(t *testing.T) {
	msg := "Found a mismatch between the code paths taken during the previous execution and the paths taken during this execution.\n" +
		"This typically happens when some parts of the code are non-deterministic.\n" +
		"- The mismatch happened while executing 'set state' (index '3')\n" +
		"- Difference:\n" +
		`   value: '{"orderId":"ord-55b1-bbc098","orderNumber":"ORD-501490391059","status":"pending","createdAt":"2026-11-27T13:09:12.238731455Z"}' != '{"orderId":"ord-55b1-bbc098","orderNumber":"ORD-108852906248","status":"pending","createdAt":"2026-11-27T13:09:12.238731455Z"}'`
	m, ok := ParseMismatch(msg)
	require.True(t, ok)
	got := m.Explain("CreateOrder", 570)
	assert.Contains(t, got, `step #3 (restate.Set ('set state')) had a different value: orderNumber: "ORD-501490391059" the first time, orderNumber: "ORD-108852906248" on replay`)
	assert.NotContains(t, got, "looks like a time")
	assert.Contains(t, got, "restate.Rand(ctx)")
}
