package grader

import (
	"cmp"
	"context"
	"slices"
	"strings"
	"time"

	"idempotency/fixtures/world"
	"idempotency/grader/admin"
	"idempotency/grader/proxy"
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
	picked := decisive(records)
	if len(picked) == 0 {
		return nil
	}
	ids := make([]string, len(picked))
	for i, r := range picked {
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
	tl := &Timeline{More: len(records) - len(picked)}
	for _, r := range picked {
		r.journal = journals[r.inv.ID]
		r.calls = callsOf(ledger, r, env.Proxy)
		tl.Invocations = append(tl.Invocations, buildInvocationTimeline(r))
	}
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

// decisive picks the invocations to show (see collectTimeline).
func decisive(records []invocationRecord) []invocationRecord {
	if len(records) == 0 {
		return nil
	}
	byInterest := slices.Clone(records)
	slices.SortStableFunc(byInterest, func(a, b invocationRecord) int {
		if c := cmp.Compare(interest(b), interest(a)); c != 0 {
			return c
		}
		return cmp.Compare(b.inv.CreatedAt, a.inv.CreatedAt) // the latest first
	})
	if interest(byInterest[0]) >= 4 {
		out := byInterest[:1]
		if len(byInterest) > 1 && interest(byInterest[1]) >= 4 && maxTimelineInvocations > 1 {
			out = byInterest[:2]
		}
		return out
	}
	// Nothing was retried: the last invocation (a failed one first), after the first
	// invocation on its key, which is usually what set up what the last one read back.
	last := byInterest[0]
	out := []invocationRecord{last}
	for _, r := range slices.SortedFunc(slices.Values(records), func(a, b invocationRecord) int { return cmp.Compare(a.inv.CreatedAt, b.inv.CreatedAt) }) {
		if r.inv.Key == last.inv.Key && r.inv.Service == last.inv.Service {
			if r.inv.ID != last.inv.ID {
				out = []invocationRecord{r, last}
			}
			break
		}
	}
	return out
}

// callsOf returns the gateway calls made during r's attempts: those that name its
// object key, and those made while no other invocation was running.
func callsOf(ledger world.Calls, r invocationRecord, p *proxy.Proxy) world.Calls {
	var out world.Calls
	for _, c := range ledger {
		if attemptOf(r.attempts, c.At) < 0 {
			continue
		}
		if namesKey(c, r.inv.Key) || onlyRunning(p.AttemptsBetween(c.At, c.At), r.inv.ID) {
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

func onlyRunning(attempts []proxy.AttemptInfo, id string) bool {
	for _, a := range attempts {
		if a.InvocationID != id {
			return false
		}
	}
	return len(attempts) > 0
}
