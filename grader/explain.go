package grader

import (
	"encoding/json"
	"fmt"
	"maps"
	"path/filepath"
	"regexp"
	"slices"
	"strconv"
	"strings"

	"idempotency/grader/admin"
)

// This file turns Restate's own failures (journal mismatches, retried errors, panics,
// failed registrations, renamed handlers) into sentences a learner can act on. Every
// message format it reads was measured with restate-server 1.7.12 and sdk-go 1.2.0.

// ExplainCall says what a failed call means. serviceLog is the service's output (the SDK
// logs every attempt), which tells a plain error Restate retried from a terminal one and
// from a panic. It falls back to ce.Describe().
func ExplainCall(ce *CallError, serviceLog string) string {
	if ce == nil {
		return ""
	}
	h := ce.Target.Handler
	if m, ok := parseMismatch(ce.Message); ok || ce.Code == 570 {
		return explainMismatch(h, ce.Code, m)
	}
	if ce.FromHandler && ce.Code == 500 {
		method := ce.Target.Service + "/" + h
		if n := countAttempts(serviceLog, "Invocation returned a non-terminal failure", method, ce.Message); n > 0 {
			return explainRetried(h, ce.Message, ranUntilKilled(n))
		}
		if n := countAttempts(serviceLog, "Invocation panicked", method, ce.Message); n > 0 {
			return explainPanic(h, ce.Message, "", ranUntilKilled(n))
		}
	}
	return ce.Describe()
}

// ExplainInvocation explains an invocation's last failure as sys_invocation records it:
// one the grader killed at a scenario's deadline, or one still backing off.
func ExplainInvocation(inv admin.Invocation) string {
	if inv.LastFailure == "" {
		return fmt.Sprintf("%s was %s with no recorded failure: it was waiting (on a call, a sleep, or a gateway that never answered)", inv.Handler, inv.Status)
	}
	tried := "keeps retrying it"
	if inv.RetryCount != nil {
		tried = fmt.Sprintf("keeps retrying it (%d attempts so far)", *inv.RetryCount)
	}
	code, msg, stack := splitFailure(inv.LastFailure)
	switch {
	case inv.LastFailureCode == "RT0016" || code == 570:
		m, _ := parseMismatch(msg)
		return explainMismatch(inv.Handler, 570, m)
	case inv.LastFailureCode == "RT0007" && stack != "":
		if at := panicSite(stack); at != "" {
			return explainPanic(inv.Handler, msg, at, tried)
		}
		return explainRetried(inv.Handler, msg, tried)
	case inv.LastFailureCode == "RT0010":
		return fmt.Sprintf("%s lost its connection to Restate mid-attempt (RT0010: the service crashed, was stopped, or a crash was injected), and Restate %s", inv.Handler, tried)
	}
	return fmt.Sprintf("%s keeps failing, and Restate %s; its last failure: %s", inv.Handler, tried, firstLine(inv.LastFailure))
}

// ExplainCrash explains a service process that died: the panic and the first line of
// the learner's code in its stack. It returns "" when the output shows no panic.
func ExplainCrash(output string) string {
	i := strings.LastIndex(output, "panic: ")
	j := strings.LastIndex(output, "fatal error: ")
	start := max(i, j)
	if start < 0 {
		return ""
	}
	rest := output[start:]
	what := firstLine(rest)
	if at := panicSite(rest); at != "" {
		return fmt.Sprintf("your service crashed with %q at %s: a panic outside a handler (in a goroutine of your own, or in main) ends the whole process, and every call in flight fails with it", what, at)
	}
	return fmt.Sprintf("your service crashed with %q: a panic outside a handler (in a goroutine of your own, or in main) ends the whole process", what)
}

// ExplainRegistration turns a failed registration (admin.Register) into what to check.
// uri is the address restate-server was given.
func ExplainRegistration(err error, uri string) error {
	if err == nil {
		return nil
	}
	msg := err.Error()
	var why string
	switch {
	case containsAny(msg, "Connection refused", "connection refused"):
		why = "restate-server could not connect to your service at " + uri + ": it must listen on 127.0.0.1:$PORT (serve.Main in main.go does that)"
	case containsAny(msg, "timed out", "deadline", "Timeout", "timeout"):
		why = "your service did not answer restate-server's discovery request in time: does main block before calling serve.Main?"
	case containsAny(msg, "h2", "HTTP/2", "http2", "protocol", "content-type", "Content-Type"):
		why = "your service answered, but not as a Restate deployment speaking HTTP/2 without TLS: keep main.go's single call to serve.Main(restate.Reflect(...))"
	case containsAny(msg, "META0006", "breaking", "incompatible", "type"):
		why = "restate-server refused the new version of your service because it conflicts with the registered one (a service turned from virtual object into plain service, or the reverse)"
	default:
		why = "restate-server refused to register your service"
	}
	return fmt.Errorf("%s (%w)", why, err)
}

// mismatch is what a journal mismatch message says about the differing command.
type mismatch struct {
	command  string // the command on replay (or the one that differed): "set state"
	recorded string // the command the first attempt recorded, when the two differ in kind
	index    string
	field    string // what differed, when the kind is the same: "value", "name"
	before   string
	after    string
}

var (
	mismatchAt       = regexp.MustCompile(`mismatch happened while executing '([^']+)' \(index '(\d+)'\)`)
	mismatchDiff     = regexp.MustCompile(`(?m)^\s*(\w[\w ]*): (.*) != (.*)$`)
	mismatchRecorded = regexp.MustCompile(`recorded the following: '([^']+)' \(index '(\d+)'\)`)
	mismatchAttempts = regexp.MustCompile(`attempts to perform the following: '([^']+)'`)
	looksLikeTime    = regexp.MustCompile(`\d{4}-\d{2}-\d{2}[ T]\d{2}:\d{2}:\d{2}`)
)

// parseMismatch reads Restate's journal mismatch message (error 570, RT0016).
func parseMismatch(msg string) (mismatch, bool) {
	var m mismatch
	if !containsAny(msg, "Found a mismatch", "journal mismatch", "Journal mismatch", "RT0016") {
		return m, false
	}
	if sm := mismatchAt.FindStringSubmatch(msg); sm != nil {
		m.command, m.index = sm[1], sm[2]
		if d := mismatchDiff.FindStringSubmatch(msg[strings.Index(msg, sm[0]):]); d != nil {
			m.field, m.before, m.after = d[1], strings.Trim(d[2], "'"), strings.Trim(d[3], "'")
		}
	}
	if sm := mismatchRecorded.FindStringSubmatch(msg); sm != nil {
		m.recorded, m.index = sm[1], sm[2]
		if a := mismatchAttempts.FindStringSubmatch(msg); a != nil {
			m.command = a[1]
		}
	}
	return m, true
}

func explainMismatch(handler string, code int, m mismatch) string {
	var b strings.Builder
	fmt.Fprintf(&b, "%s is not deterministic (Restate error %d, journal mismatch): after a retry, Restate replays the handler and checks that it takes the same steps as the first attempt, and ", handler, code)
	switch {
	case m.recorded != "" && m.command != "":
		fmt.Fprintf(&b, "step #%s was %s the first time but %s on replay. ", m.index, sdkCall(m.recorded), sdkCall(m.command))
		b.WriteString("Usually a branch decided by time.Now(), math/rand or map iteration order: compute such values inside restate.Run (or use restate.Rand(ctx)), so that the replay sees the recorded value.")
	case m.command != "" && m.field != "":
		before, after := differingParts(m.before, m.after)
		fmt.Fprintf(&b, "step #%s (%s) had a different %s: %s the first time, %s on replay. ", m.index, sdkCall(m.command), m.field, before, after)
		if looksLikeTime.MatchString(before) {
			b.WriteString("It looks like a time: time.Now() outside restate.Run gives a new value on every attempt; take it from restate.Run(ctx, func(restate.RunContext) (time.Time, error) {...}).")
		} else {
			b.WriteString("Usually a value from time.Now(), math/rand, uuid.New() or map iteration order: take it from restate.Run, restate.Rand(ctx) or restate.UUID(ctx), whose results are recorded and replayed.")
		}
	case m.command != "":
		fmt.Fprintf(&b, "step #%s (%s) differed. ", m.index, sdkCall(m.command))
		b.WriteString("Usually a value from time.Now(), math/rand or map order: take it from restate.Run or restate.Rand(ctx).")
	default:
		b.WriteString("one of its steps differed. Usually a value from time.Now(), math/rand or map order: take it from restate.Run or restate.Rand(ctx).")
	}
	return b.String()
}

// differingParts narrows two JSON objects down to the fields that differ
// (`orderNumber: "ORD-5" `), and shortens anything else that is long.
func differingParts(before, after string) (string, string) {
	var a, b map[string]json.RawMessage
	if json.Unmarshal([]byte(unquoteJSON(before)), &a) == nil && json.Unmarshal([]byte(unquoteJSON(after)), &b) == nil {
		var fields []string
		for k := range a {
			if string(a[k]) != string(b[k]) {
				fields = append(fields, k)
			}
		}
		for k := range b {
			if _, ok := a[k]; !ok {
				fields = append(fields, k)
			}
		}
		slices.Sort(fields)
		if len(fields) > 0 {
			var x, y []string
			for _, f := range fields {
				x = append(x, f+": "+orMissing(a[f]))
				y = append(y, f+": "+orMissing(b[f]))
			}
			return strings.Join(x, ", "), strings.Join(y, ", ")
		}
	}
	return shorten(before), shorten(after)
}

// unquoteJSON undoes the extra quoting Restate puts around a state value when it prints one.
func unquoteJSON(s string) string {
	var inner string
	if json.Unmarshal([]byte(s), &inner) == nil {
		return inner
	}
	return s
}

func orMissing(v json.RawMessage) string {
	if v == nil {
		return "(missing)"
	}
	return string(v)
}

func shorten(s string) string {
	if len(s) > 160 {
		return s[:150] + "..."
	}
	return s
}

// sdkCall names the sdk-go function behind a command of Restate's journal.
func sdkCall(command string) string {
	fn := map[string]string{
		"set state":       "restate.Set",
		"get state":       "restate.Get",
		"get state keys":  "restate.Keys",
		"clear state":     "restate.Clear",
		"clear all state": "restate.ClearAll",
		"run":             "restate.Run",
		"sleep":           "restate.Sleep",
		"call":            "a call to another handler",
		"one way call":    "a Send to another handler",
		"awakeable":       "restate.Awakeable",
	}[strings.ToLower(command)]
	if fn == "" {
		return "'" + command + "'"
	}
	return fn + " ('" + command + "')"
}

func explainRetried(handler, msg, tried string) string {
	return fmt.Sprintf("%s returned a plain Go error (%q). Restate treats a plain error as transient and %s. "+
		"If a retry cannot fix it (bad input, not found, a conflict), return it as terminal: restate.ToTerminalError(err, restate.WithErrorCode(404))",
		handler, msg, tried)
}

func explainPanic(handler, msg, at, tried string) string {
	where := ""
	if at != "" {
		where = " at " + at
	}
	return fmt.Sprintf("%s panicked%s (%q). The SDK turns a panic into a transient failure, so Restate %s, and it panics every time: "+
		"fix the bug (a nil map or pointer, an index out of range...), or return restate.ToTerminalError(err, restate.WithErrorCode(400)) for bad input",
		handler, where, msg, tried)
}

// ranUntilKilled says how a finished invocation was retried, from the attempts the
// service logged.
func ranUntilKilled(attempts int) string {
	if attempts > 1 {
		return fmt.Sprintf("ran it %d times until the attempt budget ran out, then gave up", attempts)
	}
	return "retried it until the attempt budget ran out, then gave up"
}

// countAttempts counts the SDK's log lines of one kind for method whose err is msg: one
// per attempt.
func countAttempts(log, kind, method, msg string) int {
	n := 0
	for line := range strings.Lines(log) {
		if strings.Contains(line, kind) && strings.Contains(line, "method="+method+" ") &&
			strings.Contains(line, "err="+strconv.Quote(msg)) {
			n++
		}
	}
	return n
}

var failurePrefix = regexp.MustCompile(`^\[(\d+)[^\]]*\] `)

// splitFailure splits sys_invocation's last_failure, "[500 Internal] message\ngoroutine...",
// into the code, the message and the stack.
func splitFailure(s string) (code int, msg, stack string) {
	if m := failurePrefix.FindStringSubmatch(s); m != nil {
		code, _ = strconv.Atoi(m[1])
		s = s[len(m[0]):]
	}
	if i := strings.Index(s, "\ngoroutine "); i >= 0 {
		return code, s[:i], s[i+1:]
	}
	return code, s, ""
}

// panicSite finds the first frame of the learner's code after the panic in a Go stack:
// "order_service.go:44 (OrderService.CreateOrder)". A plain error the SDK re-panics has
// only the SDK's frames there, so it returns "".
func panicSite(stack string) string {
	lines := strings.Split(stack, "\n")
	from := 0
	for i, l := range lines {
		if strings.HasPrefix(l, "panic(") {
			from = i + 1
		}
	}
	for i := from; i+1 < len(lines); i++ {
		fn := strings.TrimSpace(lines[i])
		file := strings.TrimSpace(lines[i+1])
		if fn == "" || strings.HasPrefix(fn, "/") || !strings.HasPrefix(lines[i+1], "\t") {
			continue
		}
		if strings.HasPrefix(fn, "runtime.") || strings.HasPrefix(fn, "panic(") || strings.HasPrefix(fn, "reflect.") ||
			strings.HasPrefix(fn, "github.com/restatedev/") || strings.HasPrefix(fn, "net/") || strings.HasPrefix(fn, "created by") {
			if strings.HasPrefix(fn, "github.com/restatedev/") || strings.HasPrefix(fn, "net/") {
				return "" // the SDK's frames come first: no code of the learner's panicked
			}
			continue
		}
		if k := strings.LastIndex(file, " +0x"); k >= 0 {
			file = file[:k]
		}
		name := fn
		if k := strings.Index(name, "("); k > 0 {
			name = name[:k]
		}
		name = strings.TrimPrefix(name, "main.")
		return fmt.Sprintf("%s (%s)", filepath.Base(file), name)
	}
	return ""
}

// renamedTo guesses which of the unexpected names is name renamed: the only one, or
// the closest.
func renamedTo(name string, unexpected []string) string {
	if len(unexpected) == 1 {
		return unexpected[0]
	}
	return closest(name, unexpected)
}

// closest returns the candidate most like name (case-insensitive, at most a third of
// its letters changed), or "".
func closest(name string, candidates []string) string {
	best, bestD := "", max(1, len(name)/3)+1
	for _, c := range candidates {
		if d := editDistance(strings.ToLower(name), strings.ToLower(c)); d < bestD {
			best, bestD = c, d
		}
	}
	return best
}

func editDistance(a, b string) int {
	prev := make([]int, len(b)+1)
	cur := make([]int, len(b)+1)
	for j := range prev {
		prev[j] = j
	}
	for i := 1; i <= len(a); i++ {
		cur[0] = i
		for j := 1; j <= len(b); j++ {
			cost := 1
			if a[i-1] == b[j-1] {
				cost = 0
			}
			cur[j] = min(prev[j]+1, cur[j-1]+1, prev[j-1]+cost)
		}
		prev, cur = cur, prev
	}
	return prev[len(b)]
}

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
