package proxy

import "sync"

// Hold stops one attempt right after the service's first state write (a
// SetStateCommand forwarded to Restate) until Release: meanwhile Restate has
// applied that write, so other calls on the object see the state as the handler
// left it between two writes. Nothing is broken; the attempt goes on after Release.
// An attempt that writes no state is never held.
type Hold struct {
	target  Target
	held    chan struct{} // closed when an attempt holds
	release chan struct{} // closed by Release
	once    sync.Once
	id      string // the held invocation's id, set before held is closed
}

// ArmHold holds the next attempt matching t that writes state.
func (p *Proxy) ArmHold(t Target) *Hold {
	h := &Hold{target: t, held: make(chan struct{}), release: make(chan struct{})}
	p.mu.Lock()
	defer p.mu.Unlock()
	p.book.holds = append(p.book.holds, h)
	return h
}

// Held is closed once an attempt is held.
func (h *Hold) Held() <-chan struct{} { return h.held }

// InvocationID is the held invocation's id ("inv_..."), once Held is closed.
func (h *Hold) InvocationID() string { return h.id }

// Release lets a held attempt go on, and makes an unused hold never hold.
func (h *Hold) Release() { h.once.Do(func() { close(h.release) }) }

// takeHold removes and returns the first hold armed for a's target that is not
// released yet (nil when none).
func (p *Proxy) takeHold(a *attempt) *Hold {
	p.mu.Lock()
	defer p.mu.Unlock()
	for i, h := range p.book.holds {
		if !h.target.covers(a.target) {
			continue
		}
		p.book.holds = append(p.book.holds[:i], p.book.holds[i+1:]...)
		select {
		case <-h.release:
			return nil // released before any attempt wrote state
		default:
			return h
		}
	}
	return nil
}
