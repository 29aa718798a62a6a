package grader

import (
	"context"
	"fmt"
	"time"

	"idempotency/grader/internal/proxy"
)

// StateHold holds one attempt of a target right after its first state write, so that a
// scenario can read what other calls see between two writes of one handler.
type StateHold struct {
	env  *Env
	hold *proxy.Hold
}

// ArmStateHold holds the next attempt of t that writes state (an attempt that writes none
// is never held). Release it when done, also when it never held:
//
//	h := env.ArmStateHold(t)
//	defer h.Release()
//	// call t in the background; select on h.Held() and its answer
//	// once held: h.Journaled(ctx), read, h.Release()
func (e *Env) ArmStateHold(t Target) *StateHold {
	return &StateHold{env: e, hold: e.Proxy.ArmHold(proxy.Target{Service: t.Service, Handler: t.Handler, Key: t.Key})}
}

// Held is closed once an attempt is held.
func (h *StateHold) Held() <-chan struct{} { return h.hold.Held() }

// Release lets the held attempt go on (and disarms a hold that never held).
func (h *StateHold) Release() { h.hold.Release() }

// Journaled waits, once Held is closed, until Restate has journaled the held attempt's
// state write: the proxy forwarded it, and once it is in the journal Restate has applied
// it, so a read then sees it. A journal that does not show it in time is the grader's
// failure ("could not judge"), never the submission's.
func (h *StateHold) Journaled(ctx context.Context) error {
	id := h.hold.InvocationID()
	ctx, cancel := context.WithTimeout(ctx, journalWait)
	defer cancel()
	var last error
	for {
		journals, err := h.env.Admin.Journals(ctx, id)
		if err == nil {
			for _, e := range journals[id] {
				if e.Type == "Command: SetState" {
					return nil
				}
			}
		}
		last = err
		select {
		case <-ctx.Done():
			// Restate journals what the proxy forwarded, whatever the submission does: a
			// query that fails, or a write that never shows, is the grader's own problem.
			return &graderBug{msg: fmt.Sprintf("the journal of %s shows no state write %s after the fault proxy forwarded one (last query error: %v)", id, journalWait, last)}
		case <-time.After(20 * time.Millisecond):
		}
	}
}

const journalWait = 10 * time.Second
