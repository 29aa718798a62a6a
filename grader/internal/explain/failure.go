package explain

import (
	"fmt"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"

	"idempotency/grader/internal/admin"
)

// Invocation explains an invocation's last failure as sys_invocation records it: one the
// grader killed at a scenario's deadline, or one still backing off.
func Invocation(inv admin.Invocation) string {
	if inv.LastFailure == "" {
		return fmt.Sprintf("%s was %s with no recorded failure: it was waiting (on a call, a sleep, or a gateway that never answered)", inv.Handler, inv.Status)
	}
	tried := "keeps retrying it"
	if inv.RetryCount != nil {
		tried = fmt.Sprintf("keeps retrying it (%d attempts so far)", *inv.RetryCount)
	}
	code, msg, stack := SplitFailure(inv.LastFailure)
	switch {
	case inv.LastFailureCode == "RT0016" || code == 570:
		m, _ := ParseMismatch(msg)
		return m.Explain(inv.Handler, 570)
	case inv.LastFailureCode == "RT0007" && stack != "":
		if at := PanicSite(stack); at != "" {
			return panicked(inv.Handler, msg, at, tried)
		}
		return retried(inv.Handler, msg, tried)
	case inv.LastFailureCode == "RT0010":
		return fmt.Sprintf("%s lost its connection to Restate mid-attempt (RT0010: the service crashed, was stopped, or a crash was injected), and Restate %s", inv.Handler, tried)
	}
	return fmt.Sprintf("%s keeps failing, and Restate %s; its last failure: %s", inv.Handler, tried, firstLine(inv.LastFailure))
}

// Retried explains a call that failed with a 500 after Restate gave up retrying it, from
// the service's log (the SDK logs every attempt): a plain error Restate retried, or a
// panic. method is "Service/Handler", msg the error Restate answered with. It returns ""
// when the log shows no such attempt (a terminal error the handler chose).
func Retried(serviceLog, method, handler, msg string) string {
	if n := countAttempts(serviceLog, "Invocation returned a non-terminal failure", method, msg); n > 0 {
		return retried(handler, msg, ranUntilKilled(n))
	}
	if n := countAttempts(serviceLog, "Invocation panicked", method, msg); n > 0 {
		return panicked(handler, msg, "", ranUntilKilled(n))
	}
	return ""
}

// Crash explains a service process that died: the panic and the first line of the
// learner's code in its stack. It returns "" when the output shows no panic.
func Crash(output string) string {
	i := strings.LastIndex(output, "panic: ")
	j := strings.LastIndex(output, "fatal error: ")
	start := max(i, j)
	if start < 0 {
		return ""
	}
	rest := output[start:]
	what := firstLine(rest)
	if at := PanicSite(rest); at != "" {
		return fmt.Sprintf("your service crashed with %q at %s: a panic outside a handler (in a goroutine of your own, or in main) ends the whole process, and every call in flight fails with it", what, at)
	}
	return fmt.Sprintf("your service crashed with %q: a panic outside a handler (in a goroutine of your own, or in main) ends the whole process", what)
}

func retried(handler, msg, tried string) string {
	return fmt.Sprintf("%s returned a plain Go error (%q). Restate treats a plain error as transient and %s. "+
		"If a retry cannot fix it (bad input, not found, a conflict), return it as terminal: restate.ToTerminalError(err, restate.WithErrorCode(404))",
		handler, msg, tried)
}

func panicked(handler, msg, at, tried string) string {
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

// SplitFailure splits sys_invocation's failure text, "[500 Internal] message\ngoroutine...",
// into the code (0 without the prefix), the message and the stack.
func SplitFailure(s string) (code int, msg, stack string) {
	if m := failurePrefix.FindStringSubmatch(s); m != nil {
		code, _ = strconv.Atoi(m[1])
		s = s[len(m[0]):]
	}
	if i := strings.Index(s, "\ngoroutine "); i >= 0 {
		return code, s[:i], s[i+1:]
	}
	return code, s, ""
}

// PanicSite finds the first frame of the learner's code after the panic in a Go stack:
// "order_service.go:44 (OrderService.CreateOrder)". A plain error the SDK re-panics has
// only the SDK's frames there, so it returns "".
func PanicSite(stack string) string {
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

func firstLine(s string) string {
	if i := strings.IndexByte(s, '\n'); i >= 0 {
		return s[:i]
	}
	return s
}

func containsAny(s string, subs ...string) bool {
	for _, sub := range subs {
		if strings.Contains(s, sub) {
			return true
		}
	}
	return false
}

func atoi(s string) int {
	n, err := strconv.Atoi(s)
	if err != nil {
		return -1
	}
	return n
}
