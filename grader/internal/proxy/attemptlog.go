package proxy

import (
	"slices"
	"time"

	"google.golang.org/protobuf/encoding/protowire"
)

// AttemptInfo is what the proxy saw of one attempt of an invocation: when it ran, how
// much of the journal Restate replayed to it, what the service sent back, and how it
// ended. The grader draws a failed criterion's timeline from it.
type AttemptInfo struct {
	InvocationID string
	Target       Target
	// N numbers the attempts of one invocation from 1, in order of arrival.
	N          int
	Start, End time.Time
	// Replayed is the number of journal entries Restate sent in Start (known_entries):
	// the entries this attempt read back instead of running.
	Replayed int
	// Commands counts the commands the service sent: new journal entries.
	Commands int
	// CommandTimes are when the first commands (up to maxCommandTimes) went by, in
	// order: Restate's own timestamps have milliseconds only.
	CommandTimes []time.Time
	// Fault is the fault the proxy injected into this attempt, or zero.
	Fault Fault
	// End is how the attempt ended: EndCompleted, EndSuspended, EndFailed, EndCrashed
	// (a fault) or EndBroken (the stream broke otherwise: the service died, or is down).
	Ending Ending
	// ErrorCode, ErrorMessage and ErrorIndex are from the service's error message
	// (EndFailed): a retried plain error (500), a journal mismatch (570) and the index
	// of the journal entry it concerns (-1 when not given).
	ErrorCode    int
	ErrorMessage string
	ErrorIndex   int
}

// Ending is how an attempt ended.
type Ending string

// The ways an attempt ends.
const (
	EndCompleted Ending = "completed"
	EndSuspended Ending = "suspended"
	EndFailed    Ending = "failed"
	EndCrashed   Ending = "crashed"
	EndBroken    Ending = "broken"
)

// Message types of the service that end an attempt.
const (
	msgSuspension msgType = 0x0001
	msgError      msgType = 0x0002
	msgEnd        msgType = 0x0003
)

// maxAttemptLog bounds the attempts kept, so a long watch session cannot grow forever;
// the oldest go first.
const maxAttemptLog = 10000

// maxCommandTimes bounds the command times kept per attempt.
const maxCommandTimes = 64

// AttemptLog returns the finished attempts of one invocation id ("inv_..."), in the
// order they started.
func (p *Proxy) AttemptLog(invocationID string) []AttemptInfo {
	p.mu.Lock()
	defer p.mu.Unlock()
	var out []AttemptInfo
	for _, a := range p.book.log {
		if a.InvocationID == invocationID {
			out = append(out, a)
		}
	}
	slices.SortFunc(out, func(a, b AttemptInfo) int { return a.N - b.N })
	return out
}

// AttemptsBetween returns every attempt, of any invocation, that ran at some time in
// [from, to]: what else was running while a gateway call arrived.
func (p *Proxy) AttemptsBetween(from, to time.Time) []AttemptInfo {
	p.mu.Lock()
	defer p.mu.Unlock()
	var out []AttemptInfo
	for _, a := range p.book.log {
		if !a.Start.After(to) && !a.End.Before(from) {
			out = append(out, a)
		}
	}
	return out
}

// observe notes one message the service sent on attempt a.
func (a *attempt) observe(h header, body []byte) {
	switch {
	case h.typ >= 0x0400 && h.typ < 0x8000:
		a.info.Commands++
		if len(a.info.CommandTimes) < maxCommandTimes {
			a.info.CommandTimes = append(a.info.CommandTimes, time.Now())
		}
		if h.typ == msgOutputCommand {
			a.info.Ending = EndCompleted
		}
	case h.typ == msgSuspension:
		a.info.Ending = EndSuspended
	case h.typ == msgEnd:
		if a.info.Ending == "" {
			a.info.Ending = EndCompleted
		}
	case h.typ == msgError:
		a.info.Ending = EndFailed
		a.info.ErrorCode, a.info.ErrorMessage, a.info.ErrorIndex = parseError(body)
	}
}

// finish records attempt a in the log once it is over.
func (p *Proxy) finish(a *attempt) {
	p.mu.Lock()
	defer p.mu.Unlock()
	info := a.info
	info.End = time.Now()
	if a.broken {
		info.Ending = EndCrashed
	} else if info.Ending == "" {
		info.Ending = EndBroken
	}
	info.Fault = a.fault
	if len(p.book.log) >= maxAttemptLog {
		p.book.log = p.book.log[1:]
	}
	p.book.log = append(p.book.log, info)
}

// parseError decodes the service's ErrorMessage: code (1), message (2) and
// related_command_index (4). A body it cannot read gives what it read so far.
func parseError(b []byte) (code int, msg string, index int) {
	index = -1
	for len(b) > 0 {
		num, typ, n := protowire.ConsumeTag(b)
		if n < 0 {
			return
		}
		b = b[n:]
		switch {
		case num == 1 && typ == protowire.VarintType:
			v, n := protowire.ConsumeVarint(b)
			if n < 0 {
				return
			}
			code, b = int(v), b[n:]
		case num == 4 && typ == protowire.VarintType:
			v, n := protowire.ConsumeVarint(b)
			if n < 0 {
				return
			}
			index, b = int(v), b[n:]
		case num == 2 && typ == protowire.BytesType:
			v, n := protowire.ConsumeBytes(b)
			if n < 0 {
				return
			}
			msg, b = string(v), b[n:]
		default:
			n := protowire.ConsumeFieldValue(num, typ, b)
			if n < 0 {
				return
			}
			b = b[n:]
		}
	}
	return
}
