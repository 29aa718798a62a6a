package explain

import (
	"encoding/json"
	"fmt"
	"regexp"
	"slices"
	"strings"
)

// Mismatch is what Restate's journal mismatch message (error 570, RT0016) says about the
// step where a replay differed from the first attempt. ParseMismatch is its one reader.
type Mismatch struct {
	Command  string // the command on replay (or the one that differed): "set state"
	Recorded string // the command the first attempt recorded, when the two differ in kind
	Index    int    // the step (Restate counts commands, the input first); -1 when not named
	Field    string // what differed, when the kind is the same: "value", "name"
	Before   string // Field's value on the first attempt
	After    string // Field's value on replay

	diffs []difference // every difference Restate listed, for MismatchDetail
}

// difference is one line of the message's "Difference:" list.
type difference struct {
	field, before, after string
	quoted               bool   // printed as '...' != '...'
	line                 string // as Restate printed it
}

var (
	mismatchAt       = regexp.MustCompile(`mismatch happened while executing '([^']+)' \(index '(\d+)'\)`)
	mismatchDiff     = regexp.MustCompile(`(?m)^\s*(\w[\w ]*): (.*) != (.*)$`)
	mismatchQuoted   = regexp.MustCompile(`^'(.*)' != '(.*)'$`)
	mismatchRecorded = regexp.MustCompile(`recorded the following: '([^']+)' \(index '(\d+)'\)`)
	mismatchAttempts = regexp.MustCompile(`attempts to perform the following: '([^']+)'`)
	looksLikeTime    = regexp.MustCompile(`\d{4}-\d{2}-\d{2}[ T]\d{2}:\d{2}:\d{2}`)
)

// IsMismatch reports whether msg is Restate's journal mismatch message.
func IsMismatch(msg string) bool {
	return containsAny(msg, "Found a mismatch", "journal mismatch", "Journal mismatch", "RT0016")
}

// ParseMismatch reads Restate's journal mismatch message. ok is false when msg is not
// one; fields the message does not name stay empty (Index -1).
func ParseMismatch(msg string) (m Mismatch, ok bool) {
	m.Index = -1
	if !IsMismatch(msg) {
		return m, false
	}
	if sm := mismatchAt.FindStringSubmatch(msg); sm != nil {
		m.Command, m.Index = sm[1], atoi(sm[2])
		for _, d := range mismatchDiff.FindAllStringSubmatch(msg[strings.Index(msg, sm[0]):], -1) {
			m.diffs = append(m.diffs, difference{field: d[1], before: strings.Trim(d[2], "'"), after: strings.Trim(d[3], "'"),
				quoted: mismatchQuoted.MatchString(d[2] + " != " + d[3]), line: strings.TrimSpace(d[0])})
		}
		if len(m.diffs) > 0 {
			m.Field, m.Before, m.After = m.diffs[0].field, m.diffs[0].before, m.diffs[0].after
		}
	}
	if sm := mismatchRecorded.FindStringSubmatch(msg); sm != nil {
		m.Recorded, m.Index = sm[1], atoi(sm[2])
		if a := mismatchAttempts.FindStringSubmatch(msg); a != nil {
			m.Command = a[1]
		}
	}
	return m, true
}

// Explain says what the mismatch means for handler, and what to try. code is the error
// code Restate answered with (570).
func (m Mismatch) Explain(handler string, code int) string {
	var b strings.Builder
	fmt.Fprintf(&b, "%s is not deterministic (Restate error %d, journal mismatch): after a retry, Restate replays the handler and checks that it takes the same steps as the first attempt, and ", handler, code)
	switch {
	case m.Recorded != "" && m.Command != "":
		fmt.Fprintf(&b, "step #%d was %s the first time but %s on replay. ", m.Index, sdkCall(m.Recorded), sdkCall(m.Command))
		b.WriteString("Usually a branch decided by time.Now(), math/rand or map iteration order: compute such values inside restate.Run (or use restate.Rand(ctx)), so that the replay sees the recorded value.")
	case m.Command != "" && m.Field != "":
		before, after := differingParts(m.Before, m.After)
		fmt.Fprintf(&b, "step #%d (%s) had a different %s: %s the first time, %s on replay. ", m.Index, sdkCall(m.Command), m.Field, before, after)
		if looksLikeTime.MatchString(before) {
			b.WriteString("It looks like a time: time.Now() outside restate.Run gives a new value on every attempt; take it from restate.Run(ctx, func(restate.RunContext) (time.Time, error) {...}).")
		} else {
			b.WriteString("Usually a value from time.Now(), math/rand, uuid.New() or map iteration order: take it from restate.Run, restate.Rand(ctx) or restate.UUID(ctx), whose results are recorded and replayed.")
		}
	case m.Command != "":
		fmt.Fprintf(&b, "step #%d (%s) differed. ", m.Index, sdkCall(m.Command))
		b.WriteString("Usually a value from time.Now(), math/rand or map order: take it from restate.Run or restate.Rand(ctx).")
	default:
		b.WriteString("one of its steps differed. Usually a value from time.Now(), math/rand or map order: take it from restate.Run or restate.Rand(ctx).")
	}
	return b.String()
}

// MismatchDetail keeps what Restate's journal mismatch message says about where and how
// the attempts differed: the step, and a differing value shown around where it diverges
// (first attempt, then retry). Any other message comes back as it is.
func MismatchDetail(msg string) string {
	m, ok := ParseMismatch(msg)
	if !ok || m.Recorded != "" || m.Command == "" {
		return msg
	}
	keep := []string{fmt.Sprintf("- The mismatch happened while executing '%s' (index '%d')", m.Command, m.Index)}
	for _, d := range m.diffs {
		switch {
		case d.field == "value" && d.quoted:
			keep = append(keep, "first attempt: "+around(d.before, d.after), "retry:         "+around(d.after, d.before))
		case d.field == "value":
			keep = append(keep, d.line)
		}
	}
	return strings.Join(keep, "\n")
}

// around shows a where it starts to differ from b.
func around(a, b string) string {
	p := 0
	for p < len(a) && p < len(b) && a[p] == b[p] {
		p++
	}
	from, to := max(0, p-60), min(len(a), p+80)
	out := a[from:to]
	if from > 0 {
		out = "..." + out
	}
	if to < len(a) {
		out += "..."
	}
	return out
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
