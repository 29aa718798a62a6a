package explain

import (
	"fmt"
	"strings"
)

// Registration turns a failed registration (admin.Register) into what to check. uri is
// the address restate-server was given. The original error stays wrapped.
func Registration(err error, uri string) error {
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

// RenamedTo guesses which of the unexpected names (registered, not in the contract) is
// name renamed: the only one, or the closest (case-insensitive, at most a third of its
// letters changed). It returns "" when none is close.
func RenamedTo(name string, unexpected []string) string {
	if len(unexpected) == 1 {
		return unexpected[0]
	}
	best, bestD := "", max(1, len(name)/3)+1
	for _, c := range unexpected {
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
