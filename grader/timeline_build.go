package grader

import (
	"fmt"
	"maps"
	"slices"
	"strings"
	"time"

	"idempotency/fixtures/world"
	"idempotency/grader/internal/admin"
	"idempotency/grader/internal/explain"
	"idempotency/grader/internal/proxy"
)

// maxTimelineAttempts bounds the attempt columns a timeline keeps: the first ones and
// the last, which is where retries differ.
const maxTimelineAttempts = 6

// invocationRecord is everything the grader saw of one invocation.
type invocationRecord struct {
	inv      admin.Invocation
	attempts []proxy.AttemptInfo
	journal  []admin.JournalEntry
	// calls are the gateway calls made during its attempts, in order of arrival.
	calls world.Calls
}

// buildInvocationTimeline lines up attempts, journal and gateway calls of one invocation.
func buildInvocationTimeline(r invocationRecord) InvocationTimeline {
	t := InvocationTimeline{ID: r.inv.ID, Target: r.inv.Target, Outcome: outcome(r.inv)}
	if t.Target == "" {
		t.Target = r.inv.Service + "/" + r.inv.Key + "/" + r.inv.Handler
	}
	n := len(r.attempts)
	if n == 0 {
		return t
	}
	// owner[k] .. owner[k+1] is the range of journal indexes attempt k recorded: what
	// the next attempt was given to replay, and what the last one added.
	bounds := make([]int, n+1)
	for k, a := range r.attempts {
		bounds[k] = a.Replayed
		if k > 0 {
			bounds[k] = max(bounds[k], bounds[k-1])
		}
	}
	bounds[n] = max(bounds[n-1], journalLen(r.journal))
	bounds[0] = 0 // the first attempt owns what it was started with (the input)

	first := r.attempts[0].Start
	for _, a := range r.attempts {
		ta := TimelineAttempt{
			N: a.N, AtMS: a.Start.Sub(first).Milliseconds(), DurationMS: a.End.Sub(a.Start).Milliseconds(),
			Replayed: a.Replayed, End: string(a.Ending),
		}
		if a.Fault != 0 {
			ta.Fault = a.Fault.String()
		}
		if a.Ending == proxy.EndFailed {
			ta.Error = attemptError(a)
		}
		t.Attempts = append(t.Attempts, ta)
	}

	command := -1
	for _, e := range r.journal {
		if strings.HasPrefix(e.Type, "Command: ") {
			command++
		}
		if !shownEntry(e) {
			continue
		}
		s := TimelineStep{Kind: "journal", Index: e.Index, Step: command, Label: entryLabel(e), Marks: make([]Mark, n)}
		for k := range n {
			switch {
			case e.Index >= bounds[k] && e.Index < bounds[k+1]:
				s.Marks[k] = MarkRecorded
			case e.Index < bounds[k]:
				s.Marks[k] = MarkReplayed
			}
		}
		t.Steps = append(t.Steps, s)
	}
	markMismatches(&t, r)
	markCrashes(&t, r, bounds)
	placeCalls(&t, r, bounds)
	t.Note = timelineNote(t)
	capAttempts(&t)
	return t
}

func journalLen(j []admin.JournalEntry) int {
	n := 0
	for _, e := range j {
		n = max(n, e.Index+1)
	}
	return n
}

// shownEntry keeps the commands a handler wrote; the input, and the notifications
// that complete commands, are implied by them.
func shownEntry(e admin.JournalEntry) bool {
	return strings.HasPrefix(e.Type, "Command: ") && e.Type != "Command: Input"
}

// entryLabel names a journal entry the way the SDK call reads: "set state order".
func entryLabel(e admin.JournalEntry) string {
	kind := strings.TrimPrefix(e.Type, "Command: ")
	words := map[string]string{
		"GetEagerState": "get state", "GetLazyState": "get state", "SetState": "set state",
		"ClearState": "clear state", "ClearAllState": "clear all state", "GetEagerStateKeys": "state keys",
		"GetLazyStateKeys": "state keys", "Run": "run", "Sleep": "sleep", "Call": "call", "OneWayCall": "send",
		"Output": "output", "CompleteAwakeable": "complete awakeable",
	}
	label := words[kind]
	if label == "" {
		label = strings.ToLower(kind)
	}
	if name := e.Label(); name != "" {
		label += " " + name
	}
	return label
}

// markMismatches marks the step where an attempt's replay differed (error 570).
func markMismatches(t *InvocationTimeline, r invocationRecord) {
	for k, a := range r.attempts {
		if a.Ending != proxy.EndFailed || (a.ErrorCode != 570 && !explain.IsMismatch(a.ErrorMessage)) {
			continue
		}
		step := mismatchIndex(a)
		idx := commandEntry(r.journal, step)
		row := -1
		for i, s := range t.Steps {
			if s.Kind == "journal" && s.Index == idx {
				row = i
			}
		}
		if row < 0 {
			m, _ := explain.ParseMismatch(a.ErrorMessage)
			label := "(replay did something else here)"
			if m.Command != "" {
				label = "(replay: " + strings.ToLower(m.Command) + ")"
			}
			t.Steps = append(t.Steps, TimelineStep{Kind: "journal", Index: idx, Step: step, Label: label, Marks: make([]Mark, len(r.attempts))})
			row = len(t.Steps) - 1
		}
		t.Steps[row].Marks[k] = MarkMismatch
	}
}

func commandCount(journal []admin.JournalEntry) int {
	n := 0
	for _, e := range journal {
		if strings.HasPrefix(e.Type, "Command: ") {
			n++
		}
	}
	return n
}

// commandEntry returns the journal index of the n-th command (Restate counts commands
// only, the input first, when it names a step), or past the journal's end.
func commandEntry(journal []admin.JournalEntry, n int) int {
	seen := 0
	for _, e := range journal {
		if !strings.HasPrefix(e.Type, "Command: ") {
			continue
		}
		if seen == n {
			return e.Index
		}
		seen++
	}
	return journalLen(journal) + n - seen
}

// mismatchIndex is the command index a mismatch names ("index '3'"), or the one the
// error message carried.
func mismatchIndex(a proxy.AttemptInfo) int {
	if m, ok := explain.ParseMismatch(a.ErrorMessage); ok && m.Index >= 0 {
		return m.Index
	}
	return a.ErrorIndex
}

// markCrashes marks, for each attempt the proxy crashed, the first step it did not
// reach; when it reached every recorded step, a row of its own says where it stopped.
func markCrashes(t *InvocationTimeline, r invocationRecord, bounds []int) {
	for k, a := range r.attempts {
		if a.Ending != proxy.EndCrashed && a.Ending != proxy.EndBroken {
			continue
		}
		label := "(cut off here)"
		if a.Fault == proxy.CrashBeforeCompletion {
			label = "output (never recorded)"
		}
		marked := false
		for i := range t.Steps {
			s := &t.Steps[i]
			if s.Kind == "journal" && s.Index >= bounds[k+1] && s.Marks[k] == MarkNone && (s.Index < journalLen(r.journal) || s.Label == label) {
				s.Marks[k] = MarkCrashed
				marked = true
				break
			}
		}
		if !marked {
			s := TimelineStep{Kind: "journal", Index: bounds[k+1], Step: commandCount(r.journal), Label: label, Marks: make([]Mark, len(r.attempts))}
			s.Marks[k] = MarkCrashed
			t.Steps = append(t.Steps, s)
		}
	}
}

// placeCalls adds a row per distinct gateway call, after the last step its attempt had
// reached when the call arrived; the same call made again by a later attempt is marked
// in the same row.
func placeCalls(t *InvocationTimeline, r invocationRecord, bounds []int) {
	rows := map[string]int{} // call identity -> row
	for _, c := range r.calls {
		k := attemptOf(r.attempts, c.At)
		if k < 0 {
			continue
		}
		id := callIdentity(c)
		mark := MarkCalled
		if c.Err != "" {
			mark = MarkFailed
		}
		if row, ok := rows[id]; ok {
			if mark == MarkCalled && c.Delivered {
				mark = MarkAgain
			}
			if t.Steps[row].Marks[k] == MarkNone || mark == MarkAgain {
				t.Steps[row].Marks[k] = mark
			}
			continue
		}
		after := reachedAt(r, bounds, k, c.At)
		pos := 0
		for i, s := range t.Steps {
			if s.Kind == "journal" && s.Index <= after || s.Kind == "gateway" && i == pos {
				pos = i + 1
			}
		}
		step := TimelineStep{Kind: "gateway", Index: -1, Step: -1, Label: callLabel(c), Marks: make([]Mark, len(r.attempts))}
		step.Marks[k] = mark
		t.Steps = slices.Insert(t.Steps, pos, step)
		for id2, row := range rows {
			if row >= pos {
				rows[id2] = row + 1
			}
		}
		rows[id] = pos
	}
}

// attemptOf returns the attempt that was running at, or -1.
func attemptOf(attempts []proxy.AttemptInfo, at time.Time) int {
	for k, a := range attempts {
		if !at.Before(a.Start) && !at.After(a.End) {
			return k
		}
	}
	return -1
}

// reachedAt is the highest journal index attempt k had reached at time at: what it
// replayed, and the commands it sent before then (the proxy timed each one; Restate's
// own timestamps have milliseconds only). The SDK sends commands that need no answer
// in batches, at its next await, so a command sent after the call may have been made
// before it: eager state reads right after the last known step are counted as reached,
// since a handler reads its state before it acts on it.
func reachedAt(r invocationRecord, bounds []int, k int, at time.Time) int {
	reached := bounds[k] - 1
	times := r.attempts[k].CommandTimes
	sent := 0
	late := false // past the commands known to precede the call
	for _, e := range r.journal {
		if e.Index < bounds[k] || e.Index >= bounds[k+1] {
			continue
		}
		command := strings.HasPrefix(e.Type, "Command: ") && e.Type != "Command: Input"
		if !command {
			if !late {
				reached = max(reached, e.Index) // a notification the server added
			}
			continue
		}
		if !late && (sent >= len(times) || times[sent].After(at)) {
			late = true
		}
		if late {
			if !eagerRead(e) {
				break
			}
			reached = max(reached, e.Index)
			continue
		}
		sent++
		reached = max(reached, e.Index)
	}
	return reached
}

// eagerRead reports a state read the SDK answers from the state Restate sent along:
// it waits for nothing, so it goes out in the next batch.
func eagerRead(e admin.JournalEntry) bool {
	return e.Type == "Command: GetEagerState" || e.Type == "Command: GetEagerStateKeys"
}

// callIdentity is what makes two gateway calls "the same call made again".
func callIdentity(c world.Call) string {
	var b strings.Builder
	b.WriteString(c.Gateway)
	for _, k := range slices.Sorted(maps.Keys(c.Args)) {
		fmt.Fprintf(&b, "\x00%s=%s", k, c.Args[k])
	}
	return b.String()
}

// callLabel names a gateway call with its arguments, bodies left out.
func callLabel(c world.Call) string {
	var b strings.Builder
	b.WriteString(c.Gateway)
	for _, k := range slices.Sorted(maps.Keys(c.Args)) {
		if k == world.ArgBody {
			continue
		}
		fmt.Fprintf(&b, " %s=%s", k, c.Args[k])
	}
	return b.String()
}

// attemptError is the error a failed attempt sent, in a few words.
func attemptError(a proxy.AttemptInfo) string {
	if m, ok := explain.ParseMismatch(a.ErrorMessage); ok {
		if m.Command != "" {
			return fmt.Sprintf("%d journal mismatch at %s", a.ErrorCode, strings.ToLower(m.Command))
		}
		return fmt.Sprintf("%d journal mismatch", a.ErrorCode)
	}
	return strings.TrimSpace(fmt.Sprintf("%d %s", a.ErrorCode, firstLine(a.ErrorMessage)))
}

func outcome(inv admin.Invocation) string {
	switch {
	case inv.Status == "completed" && inv.Failure != "":
		code, msg, _ := explain.SplitFailure(inv.Failure)
		if m, ok := explain.ParseMismatch(msg); ok {
			return fmt.Sprintf("failed: [%d] journal mismatch at %s", code, strings.ToLower(m.Command))
		}
		return "failed: " + firstLine(inv.Failure)
	case inv.Status == "completed":
		return "succeeded"
	case inv.LastFailure != "":
		return inv.Status + ", last failure: " + firstLine(inv.LastFailure)
	}
	return inv.Status
}

// capAttempts keeps the first attempts and the last ones.
func capAttempts(t *InvocationTimeline) {
	n := len(t.Attempts)
	if n <= maxTimelineAttempts {
		return
	}
	keep := func(k int) bool { return k < maxTimelineAttempts-2 || k >= n-2 }
	var attempts []TimelineAttempt
	for k, a := range t.Attempts {
		if keep(k) {
			attempts = append(attempts, a)
		}
	}
	for i := range t.Steps {
		var marks []Mark
		for k, m := range t.Steps[i].Marks {
			if keep(k) {
				marks = append(marks, m)
			}
		}
		t.Steps[i].Marks = marks
	}
	t.Attempts, t.HiddenAttempts = attempts, n-len(attempts)
}
