package proxy

import "fmt"

// Target names the handler an invocation runs. Key "" matches any key; so do an
// empty Service or Handler, which lets Attempts(Target{}) count everything.
type Target struct{ Service, Handler, Key string }

// covers reports whether t, used as a pattern, matches the concrete target u.
func (t Target) covers(u Target) bool {
	return (t.Service == "" || t.Service == u.Service) &&
		(t.Handler == "" || t.Handler == u.Handler) &&
		(t.Key == "" || t.Key == u.Key)
}

func (t Target) String() string {
	return fmt.Sprintf("%s/%s/%s", t.Service, t.Key, t.Handler)
}

// Fault is where in an attempt the proxy breaks the stream.
type Fault int

const (
	// CrashBeforeCompletion drops the service's OutputCommand (and End) and resets the stream,
	// so Restate retries and replays the journal. The service believes it finished.
	CrashBeforeCompletion Fault = iota + 1
	// CrashAfterRunRecorded resets the stream right when the server sends a
	// RunCompletionNotification (the run's result is durably recorded, the service never sees it).
	//
	// Each run completion of an invocation is broken at most once: the retry
	// replays it to the service, and the next firing waits for a later run.
	// Under suspension the server never sends a completion on the stream that
	// proposed the run (the service suspends first), so the fault fires where
	// the service would first see it: in the next attempt's replayed journal.
	CrashAfterRunRecorded
)

func (f Fault) String() string {
	switch f {
	case CrashBeforeCompletion:
		return "crash before completion"
	case CrashAfterRunRecorded:
		return "crash after run recorded"
	}
	return fmt.Sprintf("fault(%d)", int(f))
}

// rule is an armed fault: it breaks the next `left` attempts that match target
// and reach the fault's boundary.
type rule struct {
	target Target
	fault  Fault
	left   int
}

// seen is one invocation id in first-seen order.
type seen struct {
	id     string
	target Target
}

// ledger is the proxy's shared bookkeeping. Counts are kept per concrete target
// and summed on read, so that a pattern asked later (any key) still sees them.
// It is guarded by Proxy.mu.
type ledger struct {
	rules       []*rule
	holds       []*Hold // armed holds, oldest first
	attempts    map[Target]int
	fired       map[Target]int
	perID       map[string]int
	invocations []seen
	// runsPassed is, per invocation id, how many of its run completions
	// (counted in journal order) have been forwarded or broken at already.
	runsPassed map[string]int
	// log holds every finished attempt, oldest first (AttemptLog).
	log []AttemptInfo
}

func newLedger() ledger {
	return ledger{
		attempts:   map[Target]int{},
		fired:      map[Target]int{},
		perID:      map[string]int{},
		runsPassed: map[string]int{},
	}
}

// Arm makes the next n attempts that match t break at fault f (each match consumes one).
// A fault is consumed only when it fires: an attempt that never reaches the
// boundary (no run, or it ends without output) leaves it armed for the next one.
func (p *Proxy) Arm(t Target, f Fault, n int) {
	if n <= 0 {
		return
	}
	p.mu.Lock()
	defer p.mu.Unlock()
	p.book.rules = append(p.book.rules, &rule{target: t, fault: f, left: n})
}

// Disarm removes all remaining armed faults for t: those armed for t itself
// and, where t leaves a field empty, those armed for any value of it.
func (p *Proxy) Disarm(t Target) {
	p.mu.Lock()
	defer p.mu.Unlock()
	kept := p.book.rules[:0]
	for _, r := range p.book.rules {
		if !t.covers(r.target) {
			kept = append(kept, r)
		}
	}
	clear(p.book.rules[len(kept):])
	p.book.rules = kept
}

// Fired reports how many times a fault actually broke a stream for attempts matching t.
func (p *Proxy) Fired(t Target) int {
	p.mu.Lock()
	defer p.mu.Unlock()
	return sumCovered(p.book.fired, t)
}

// Attempts reports how many attempt streams matching t the proxy has seen (Key "" = all keys).
func (p *Proxy) Attempts(t Target) int {
	p.mu.Lock()
	defer p.mu.Unlock()
	return sumCovered(p.book.attempts, t)
}

// AttemptsOf reports how many attempt streams the proxy has seen for one invocation id ("inv_...").
func (p *Proxy) AttemptsOf(invocationID string) int {
	p.mu.Lock()
	defer p.mu.Unlock()
	return p.book.perID[invocationID]
}

// Invocations lists the invocation ids seen for t, in first-seen order.
func (p *Proxy) Invocations(t Target) []string {
	p.mu.Lock()
	defer p.mu.Unlock()
	var ids []string
	for _, s := range p.book.invocations {
		if t.covers(s.target) {
			ids = append(ids, s.id)
		}
	}
	return ids
}

func sumCovered(counts map[Target]int, t Target) int {
	total := 0
	for u, n := range counts {
		if t.covers(u) {
			total += n
		}
	}
	return total
}

// noteAttempt counts a new attempt stream once its Start message is read, and returns
// its number among the invocation's attempts (from 1).
func (p *Proxy) noteAttempt(t Target, invocationID string) int {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.book.attempts[t]++
	if p.book.perID[invocationID] == 0 {
		p.book.invocations = append(p.book.invocations, seen{id: invocationID, target: t})
	}
	p.book.perID[invocationID]++
	return p.book.perID[invocationID]
}

// tryFire decides, atomically with every other stream, whether attempt a
// breaks at fault f now. It consumes one armed fault only when it says yes,
// and says yes at most once per attempt: a broken stream cannot break again.
func (p *Proxy) tryFire(a *attempt, f Fault) bool {
	p.mu.Lock()
	defer p.mu.Unlock()
	return p.tryFireLocked(a, f)
}

// tryFireRun is tryFire for the n-th run completion (1-based, journal order)
// that Restate sends on attempt a. Only a completion the invocation has not
// passed before may break: otherwise every retry would break again at the
// replay of the same run, and a fault armed twice could never reach a second run.
func (p *Proxy) tryFireRun(a *attempt, n int) bool {
	p.mu.Lock()
	defer p.mu.Unlock()
	if n <= p.book.runsPassed[a.id] {
		return false
	}
	p.book.runsPassed[a.id] = n
	return p.tryFireLocked(a, CrashAfterRunRecorded)
}

func (p *Proxy) tryFireLocked(a *attempt, f Fault) bool {
	if a.broken {
		return false
	}
	for i, r := range p.book.rules {
		if r.fault != f || !r.target.covers(a.target) {
			continue
		}
		r.left--
		if r.left == 0 {
			p.book.rules = append(p.book.rules[:i], p.book.rules[i+1:]...)
		}
		a.broken = true
		a.fault = f
		p.book.fired[a.target]++
		return true
	}
	return false
}
