package grader

import (
	"maps"
	"slices"
	"strings"

	"idempotency/grader/internal/admin"
	"idempotency/grader/internal/explain"
)

// The sentences that turn Restate's own failures (journal mismatches, retried errors,
// panics, crashes, failed registrations) into something a learner can act on live in
// grader/internal/explain; the functions below take the engine's types.

// ExplainCall says what a failed call means. serviceLog is the service's output (the SDK
// logs every attempt), which tells a plain error Restate retried from a terminal one and
// from a panic. It falls back to ce.Describe().
func ExplainCall(ce *CallError, serviceLog string) string {
	if ce == nil {
		return ""
	}
	if m, ok := explain.ParseMismatch(ce.Message); ok || ce.Code == 570 {
		return m.Explain(ce.Target.Handler, ce.Code)
	}
	if ce.FromHandler && ce.Code == 500 {
		if s := explain.Retried(serviceLog, ce.Target.Service+"/"+ce.Target.Handler, ce.Target.Handler, ce.Message); s != "" {
			return s
		}
	}
	return ce.Describe()
}

// ExplainInvocation explains an invocation's last failure as sys_invocation records it:
// one the grader killed at a scenario's deadline, or one still backing off.
func ExplainInvocation(inv admin.Invocation) string { return explain.Invocation(inv) }

// ExplainCrash explains a service process that died: the panic and the first line of
// the learner's code in its stack. It returns "" when the output shows no panic.
func ExplainCrash(output string) string { return explain.Crash(output) }

// MismatchDetail keeps the lines of the call's journal mismatch message (Restate error
// 570) that say where and how the attempts differed; a differing value is shown around
// where it diverges. Other messages come back whole.
func (e *CallError) MismatchDetail() string { return explain.MismatchDetail(e.Message) }

func notIn(names []string, m map[string][]string) []string {
	var out []string
	for _, n := range names {
		if _, ok := m[n]; !ok {
			out = append(out, n)
		}
	}
	return out
}

func notInList(names, want []string) []string {
	var out []string
	for _, n := range names {
		if !slices.Contains(want, n) {
			out = append(out, n)
		}
	}
	return out
}

func sortedKeys[V any](m map[string]V) []string {
	return slices.Sorted(maps.Keys(m))
}

func firstLine(s string) string {
	if i := strings.IndexByte(s, '\n'); i >= 0 {
		return s[:i]
	}
	return s
}

// serviceLogs is the service's output so far ("" without a service), for ExplainCall.
func (e *Env) serviceLogs() string {
	if e.Service == nil {
		return ""
	}
	return e.Service.Logs()
}
