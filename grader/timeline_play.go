package grader

import (
	"context"
	"fmt"

	"idempotency/fixtures/world"
	"idempotency/grader/internal/admin"
	"idempotency/grader/internal/proxy"
)

// TimelineOf draws the timeline of one finished invocation, from what the proxy saw of
// its attempts, its journal, and the gateway calls made during them (play shows one
// for every invocation made by hand).
func TimelineOf(ctx context.Context, a *admin.Client, p *proxy.Proxy, w *world.World, inv admin.Invocation) (InvocationTimeline, error) {
	r := invocationRecord{inv: inv, attempts: p.AttemptLog(inv.ID)}
	if len(r.attempts) == 0 {
		return InvocationTimeline{}, fmt.Errorf("timeline of %s: the proxy saw no attempt", inv.ID)
	}
	journals, err := a.Journals(ctx, inv.ID)
	if err != nil {
		return InvocationTimeline{}, fmt.Errorf("timeline of %s: %w", inv.ID, err)
	}
	r.journal = journals[inv.ID]
	if w != nil {
		r.calls = callsOf(w.Ledger(), r, p)
	}
	return buildInvocationTimeline(r), nil
}
