package grader

import (
	"cmp"
	"context"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"time"

	"idempotency/fixtures/world"
	"idempotency/grader/internal/admin"
	"idempotency/grader/internal/proxy"
)

// maxTimelineInvocations bounds the invocations one failed criterion shows.
const maxTimelineInvocations = 2

// collectTimeline builds the timeline of the invocations that decided a failed
// scenario, chosen with no help from the scenario: among the invocations on the object
// keys it made (NewKey), those the grader crashed, then those Restate retried, then
// those that failed; with none of these, the last invocation and the first on its key.
// It returns nil when there is nothing to show or the server does not answer: a
// timeline is an aid, never a reason to withhold a verdict.
func collectTimeline(ctx context.Context, env *Env) *Timeline {
	if env.Admin == nil || env.Proxy == nil {
		return nil
	}
	ctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), 5*time.Second)
	defer cancel()
	var invs []admin.Invocation
	used := env.usedKeys()
	for _, svc := range sortedKeys(used) {
		rows, err := env.Admin.Invocations(ctx, svc, used[svc]...)
		if err != nil {
			return nil
		}
		invs = append(invs, rows...)
	}
	records := make([]invocationRecord, 0, len(invs))
	for _, inv := range invs {
		if a := env.Proxy.AttemptLog(inv.ID); len(a) > 0 {
			records = append(records, invocationRecord{inv: inv, attempts: a})
		}
	}
	candidates, pair := candidatesOf(records)
	if len(candidates) == 0 {
		return nil
	}
	ids := make([]string, len(candidates))
	for i, r := range candidates {
		ids[i] = r.inv.ID
	}
	journals, err := env.Admin.Journals(ctx, ids...)
	if err != nil {
		return nil
	}
	var ledger world.Calls
	if env.World != nil {
		ledger = env.World.Ledger()
	}
	built := make([]InvocationTimeline, len(candidates))
	for i, r := range candidates {
		r.journal = journals[r.inv.ID]
		r.calls = callsOf(ledger, r, env.Proxy)
		built[i] = buildInvocationTimeline(r)
	}
	tl := &Timeline{Invocations: decisive(built, pair)}
	if boring(tl) {
		return nil
	}
	tl.More = len(records) - len(tl.Invocations)
	notePlainState(tl)
	return tl
}

// interest ranks how much an invocation says about a failure.
func interest(r invocationRecord) int {
	score := 0
	for _, a := range r.attempts {
		switch {
		case a.Fault != 0:
			score = max(score, 8)
		case a.Ending == proxy.EndFailed && a.ErrorCode == 570:
			score = max(score, 6)
		case a.Ending == proxy.EndFailed || a.Ending == proxy.EndBroken:
			score = max(score, 4)
		}
	}
	if r.inv.Failure != "" || r.inv.Status != "completed" {
		score++
	}
	return score
}

// maxCandidates bounds the invocations whose timelines are built to choose from.
const maxCandidates = 6

// candidatesOf picks the invocations worth a look: those the grader crashed, that
// failed or were retried, the latest first. pair names the invocations to show when
// none of them tells a cause: the latest that failed (else the latest), after the
// first invocation on its key.
func candidatesOf(records []invocationRecord) (out []invocationRecord, pair []string) {
	if len(records) == 0 {
		return nil, nil
	}
	byTime := slices.SortedFunc(slices.Values(records), func(a, b invocationRecord) int { return cmp.Compare(a.inv.CreatedAt, b.inv.CreatedAt) })
	byInterest := slices.Clone(byTime)
	slices.SortStableFunc(byInterest, func(a, b invocationRecord) int {
		if c := cmp.Compare(interest(b), interest(a)); c != 0 {
			return c
		}
		return cmp.Compare(b.inv.CreatedAt, a.inv.CreatedAt) // the latest first
	})
	for _, r := range byInterest {
		if interest(r) > 0 && len(out) < maxCandidates {
			out = append(out, r)
		}
	}
	last := byTime[len(byTime)-1]
	for _, r := range byTime {
		if r.inv.Failure != "" || r.inv.Status != "completed" {
			last = r // the latest that failed, when one did
		}
	}
	for _, r := range byTime {
		if r.inv.Key == last.inv.Key && r.inv.Service == last.inv.Service {
			if r.inv.ID != last.inv.ID {
				out = appendNew(out, r)
				pair = append(pair, r.inv.ID)
			}
			break
		}
	}
	return appendNew(out, last), append(pair, last.inv.ID)
}

func appendNew(rs []invocationRecord, r invocationRecord) []invocationRecord {
	for _, x := range rs {
		if x.inv.ID == r.inv.ID {
			return rs
		}
	}
	return append(rs, r)
}

// telling ranks a built timeline by how plainly it shows a cause.
func telling(t InvocationTimeline) int {
	score := 0
	for _, s := range t.Steps {
		for _, m := range s.Marks {
			switch m {
			case MarkAgain, MarkMismatch:
				score = max(score, 10)
			}
		}
	}
	if t.Note != "" {
		score = max(score, 8)
	}
	if strings.HasPrefix(t.Outcome, "failed") || t.Outcome != "succeeded" {
		score = max(score, 5)
	}
	return score
}

// decisive picks the timelines to show: the (at most two) that show a cause most
// plainly; when none does, those of pair.
func decisive(built []InvocationTimeline, pair []string) []InvocationTimeline {
	best := 0
	for _, t := range built {
		best = max(best, telling(t))
	}
	var out []InvocationTimeline
	for _, t := range built {
		if best >= 8 && telling(t) == best && len(out) < maxTimelineInvocations ||
			best < 8 && slices.Contains(pair, t.ID) {
			out = append(out, t)
		}
	}
	if best < 8 && len(out) == 2 && out[0].ID != pair[0] {
		out[0], out[1] = out[1], out[0]
	}
	return out
}

// boring reports a timeline that shows nothing a report does not already say: a stub's
// "not implemented" (501), crashed or not. An invocation that only returned some other
// answer is drawn: with no state step, that is what state kept in memory looks like.
func boring(tl *Timeline) bool {
	for _, inv := range tl.Invocations {
		if !onlyOutput(inv) || !strings.Contains(inv.Outcome, "[501]") {
			return false
		}
	}
	return true
}

// onlyOutput reports an invocation whose steps are its output alone.
func onlyOutput(inv InvocationTimeline) bool {
	for _, s := range inv.Steps {
		if s.Kind != "journal" || !strings.HasPrefix(s.Label, "output") {
			return false
		}
	}
	return true
}

// notePlainState says, for invocations on one key that stored nothing in Restate,
// where their data went: a failure nothing was retried in is often state kept in memory.
func notePlainState(tl *Timeline) {
	for _, inv := range tl.Invocations {
		if inv.Note != "" {
			return
		}
		for _, s := range inv.Steps {
			if strings.HasPrefix(s.Label, "set state") || strings.HasPrefix(s.Label, "clear") {
				return
			}
		}
	}
	last := &tl.Invocations[len(tl.Invocations)-1]
	last.Note = "no invocation drawn here has a 'set state' step: nothing was stored in Restate's state, so whatever the handler kept in Go variables is gone once the service restarts"
}

// callsOf returns the gateway calls made during r's attempts that belong to it: those
// whose arguments name its object key or a value from its own journal (its input, the
// state it read, its runs' results), and those made while no other invocation ran.
func callsOf(ledger world.Calls, r invocationRecord, p *proxy.Proxy) world.Calls {
	values := journalText(r.journal)
	var out world.Calls
	for _, c := range ledger {
		if attemptOf(r.attempts, c.At) < 0 {
			continue
		}
		if namesKey(c, r.inv.Key) || namesValueOf(c, values) || onlyRunning(p.AttemptsBetween(c.At, c.At), r.inv.ID) {
			out = append(out, c)
		}
	}
	return out
}

func namesKey(c world.Call, key string) bool {
	if key == "" {
		return false
	}
	for _, v := range c.Args {
		if strings.Contains(v, key) {
			return true
		}
	}
	return strings.Contains(c.IdempotencyKey, key)
}

// minMatchLen keeps short argument values (an amount, "USD") from matching by chance.
const minMatchLen = 6

// sharedArgs hold values many invocations share (an event name, a plan ID): they
// name no invocation, so a concurrent one's call would be drawn under this one.
var sharedArgs = map[string]bool{world.ArgBody: true, world.ArgEvent: true, world.ArgPlanID: true}

// namesValueOf reports a call with an argument value (of some length) that appears in
// the invocation's journal text.
func namesValueOf(c world.Call, text string) bool {
	if text == "" {
		return false
	}
	for name, v := range c.Args {
		if !sharedArgs[name] && len(v) >= minMatchLen && strings.Contains(text, v) {
			return true
		}
	}
	return false
}

var byteArray = regexp.MustCompile(`\[(\d{1,3}(?:,\d{1,3})+)\]`)

// journalText is the payloads of a journal as text: Restate prints the input, state
// values and run results as arrays of bytes.
func journalText(journal []admin.JournalEntry) string {
	var b strings.Builder
	for _, e := range journal {
		for _, m := range byteArray.FindAllStringSubmatch(e.JSON, -1) {
			for _, n := range strings.Split(m[1], ",") {
				v, err := strconv.Atoi(n)
				if err != nil || v > 255 {
					break
				}
				b.WriteByte(byte(v))
			}
			b.WriteByte('\n')
		}
	}
	return b.String()
}

func onlyRunning(attempts []proxy.AttemptInfo, id string) bool {
	for _, a := range attempts {
		if a.InvocationID != id {
			return false
		}
	}
	return len(attempts) > 0
}
