package grader

import (
	"fmt"
	"strings"
)

// timelineNote says in one sentence what an invocation's timeline shows, when it shows
// one of the patterns a learner meets: an effect run again by a retry, a replay that
// differed, the same error on every attempt.
func timelineNote(t InvocationTimeline) string {
	for _, s := range t.Steps {
		if s.Kind != "gateway" {
			continue
		}
		var again []int
		for k, m := range s.Marks {
			if m == MarkAgain {
				again = append(again, t.Attempts[k].N)
			}
		}
		if len(again) > 0 {
			gw, _, _ := strings.Cut(s.Label, " ")
			return fmt.Sprintf("%s the %s call again: a call that is not a journaled step (restate.Run) runs again on every retry, because the replay has no recorded result to read back", attemptsMade(again), gw)
		}
	}
	for _, s := range t.Steps {
		for k, m := range s.Marks {
			if m == MarkMismatch && strings.HasSuffix(t.Attempts[k].Error, "at handler return") {
				return fmt.Sprintf("attempt %d replayed the journal and returned where the attempt that recorded it ran %q: a branch decided by something outside the journal (a Go variable or map, time.Now, math/rand) went the other way on replay; keep such state in Restate (restate.Get/Set) and such values in restate.Run", t.Attempts[k].N, s.Label)
			}
			if m == MarkMismatch {
				return fmt.Sprintf("attempt %d replayed the journal and at %q did something other than the attempt that recorded it: a value that differs between attempts (time.Now, math/rand, map order) must come from restate.Run or restate.Rand", t.Attempts[k].N, s.Label)
			}
		}
	}
	failed, same := 0, true
	for _, a := range t.Attempts {
		if a.End == "failed" {
			same = same && (failed == 0 || a.Error == t.Attempts[0].Error)
			failed++
		}
	}
	if failed >= 2 && same && t.Attempts[0].End == "failed" {
		return fmt.Sprintf("every attempt ended with the same error (%s): Restate retries a plain error, and a retry cannot fix it; return a terminal error (restate.ToTerminalError) instead", shortError(t.Attempts[0].Error))
	}
	return ""
}

func shortError(s string) string {
	if len(s) > 60 {
		return s[:57] + "..."
	}
	return s
}

// attemptsMade names the attempts that made a call again: "attempt 2 made",
// "attempts 2 to 10 each made".
func attemptsMade(ns []int) string {
	if len(ns) == 1 {
		return fmt.Sprintf("attempt %d made", ns[0])
	}
	if ns[len(ns)-1]-ns[0] == len(ns)-1 {
		return fmt.Sprintf("attempts %d to %d each made", ns[0], ns[len(ns)-1])
	}
	words := make([]string, len(ns))
	for i, n := range ns {
		words[i] = fmt.Sprint(n)
	}
	return "attempts " + strings.Join(words, ", ") + " each made"
}
