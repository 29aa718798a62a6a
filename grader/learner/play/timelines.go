package play

import (
	"bytes"
	"context"
	"io"
	"time"

	"idempotency/grader"
	"idempotency/grader/report"
)

// watchTimelines polls sys_invocation and prints, once per invocation, the timeline of
// each one that completed: its attempts, journal steps and gateway calls. The returned
// channel closes when ctx ends.
func watchTimelines(ctx context.Context, s *grader.Session, out io.Writer) <-chan struct{} {
	done := make(chan struct{})
	go func() {
		defer close(done)
		shown := map[string]bool{}
		tick := time.NewTicker(500 * time.Millisecond)
		defer tick.Stop()
		for {
			select {
			case <-ctx.Done():
				return
			case <-tick.C:
			}
			invs, err := s.Admin.Completed(ctx)
			if err != nil {
				continue
			}
			for _, inv := range invs {
				if shown[inv.ID] {
					continue
				}
				tl, err := grader.TimelineOf(ctx, s.Admin, s.Proxy, s.World, inv)
				if err != nil {
					continue // not through the proxy (nothing to draw), or the server is busy: next tick
				}
				shown[inv.ID] = true
				var b bytes.Buffer
				b.WriteString("\n") // a block among the one-line ledger entries
				if err := report.InvocationText(&b, tl, report.TextOptions{}); err != nil {
					continue
				}
				_, _ = out.Write(b.Bytes()) // one write: the ledger lines go to out too
			}
		}
	}()
	return done
}
