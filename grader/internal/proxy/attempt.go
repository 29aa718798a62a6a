package proxy

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"time"
)

// attempt is one invocation attempt: one stream from Restate, one to the service.
type attempt struct {
	target Target
	id     string
	broken bool  // a fault fired on this attempt; guarded by Proxy.mu
	fault  Fault // the fault that fired; guarded by Proxy.mu
	// info is what the attempt log keeps; written only by the response pump until
	// the attempt ends.
	info AttemptInfo
}

var (
	// errFault is the cause given to a stream that an armed fault broke.
	errFault = errors.New("fault injected")
	// errDone is the cause given once the attempt has ended on its own.
	errDone = errors.New("attempt ended")
)

// serveAttempt relays one attempt in both directions at once, message by
// message, and breaks it where an armed fault says so. Restate must see a
// broken attempt as a crash, so every failure after the response has started
// resets the stream instead of ending it cleanly.
func (p *Proxy) serveAttempt(w http.ResponseWriter, r *http.Request, upstream *url.URL, service, handler string) {
	if r.ProtoMajor == 1 {
		// Best effort: bidi streaming needs it, and Restate uses HTTP/2 anyway.
		_ = http.NewResponseController(w).EnableFullDuplex()
	}
	start, raw, err := readStart(r.Body)
	if err != nil {
		http.Error(w, fmt.Sprintf("fault proxy: %v", err), http.StatusBadRequest)
		return
	}
	a := &attempt{target: Target{Service: service, Handler: handler, Key: start.key}, id: start.invocationID}
	a.info = AttemptInfo{InvocationID: a.id, Target: a.target, Start: time.Now(), Replayed: int(start.knownEntries), ErrorIndex: -1}
	a.info.N = p.noteAttempt(a.target, a.id)
	defer p.finish(a) // runs on the reset's panic too

	// ctx governs the upstream request: cancelling it resets the service's stream.
	ctx, cancel := context.WithCancelCause(r.Context())
	stopOnClose := context.AfterFunc(p.closing, func() { cancel(errClosed) })
	body, bodyW := io.Pipe()
	pumped := make(chan struct{})
	defer func() {
		// Runs on panic too: the request pump must not outlive the handler,
		// which owns r.Body.
		stopOnClose()
		cancel(errDone)
		body.CloseWithError(errDone)
		r.Body.Close()
		<-pumped
	}()
	go func() {
		defer close(pumped)
		bodyW.CloseWithError(p.pumpRequest(ctx, bodyW, raw, r.Body, a, cancel))
	}()

	u := upstream.JoinPath(r.URL.Path)
	u.RawQuery = r.URL.RawQuery
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, u.String(), body)
	if err != nil {
		http.Error(w, fmt.Sprintf("fault proxy: %v", err), http.StatusInternalServerError)
		return
	}
	req.Header = r.Header.Clone()
	req.ContentLength = -1 // a stream, not a document
	resp, err := p.transport.RoundTrip(req)
	if err != nil {
		if ctx.Err() != nil {
			reset(cancel, context.Cause(ctx))
		}
		// The service is down: Restate retries a 502 like a crash, and the
		// message lands in the invocation's last_failure.
		http.Error(w, fmt.Sprintf("fault proxy: upstream %s: %v", u.Host, err), http.StatusBadGateway)
		return
	}
	defer resp.Body.Close()

	for k, vs := range resp.Header {
		w.Header()[k] = vs
	}
	w.WriteHeader(resp.StatusCode)
	rc := http.NewResponseController(w)
	if err := rc.Flush(); err != nil {
		reset(cancel, err)
	}
	if resp.StatusCode != http.StatusOK {
		// Not a protocol stream (unknown handler, bad content type): relay the text.
		if _, err := io.Copy(w, resp.Body); err != nil {
			reset(cancel, err)
		}
		return
	}

	if err := p.pumpResponse(ctx, w, rc.Flush, resp.Body, a, cancel); err != nil {
		reset(cancel, err)
	}
	for k, vs := range resp.Trailer {
		w.Header()[http.TrailerPrefix+k] = vs
	}
}

// reset breaks both streams of the attempt: the upstream request first, so the
// service sees its stream die, then Restate's, which the server resets when a
// handler panics with ErrAbortHandler.
func reset(cancel context.CancelCauseFunc, cause error) {
	cancel(cause)
	panic(http.ErrAbortHandler)
}

// pumpRequest forwards Restate's messages to the service, starting with the
// Start message already read. It breaks the attempt when Restate sends a run's
// completion and CrashAfterRunRecorded is armed: the run is durable by then,
// and the service must never learn it.
func (p *Proxy) pumpRequest(ctx context.Context, dst io.Writer, start []byte, src io.Reader, a *attempt, cancel context.CancelCauseFunc) error {
	if _, err := dst.Write(start); err != nil {
		return fmt.Errorf("forward start: %w", err)
	}
	fc := newFrameCopier(dst, src, nil) // a pipe write returns only once the transport took it
	runs := 0
	for {
		h, err := fc.next()
		if err == io.EOF {
			return nil // Restate closed its side; close the service's too
		}
		if err != nil {
			return fmt.Errorf("read from restate: %w", err)
		}
		if ctx.Err() != nil {
			// The attempt is already over: a fault now would break nothing.
			return context.Cause(ctx)
		}
		if h.typ == msgRunCompletionNotification {
			runs++
			if p.tryFireRun(a, runs) {
				cancel(errFault)
				return errFault
			}
		}
		if err := fc.forward(h); err != nil {
			return err
		}
	}
}

// pumpResponse forwards the service's messages to Restate. It breaks the
// attempt when the service sends its output and CrashBeforeCompletion is
// armed: the output is never forwarded, so Restate never records it.
func (p *Proxy) pumpResponse(ctx context.Context, dst io.Writer, flush func() error, src io.Reader, a *attempt, cancel context.CancelCauseFunc) error {
	fc := newFrameCopier(dst, src, flush)
	fc.observe = a.observe
	for {
		h, err := fc.next()
		if err == io.EOF {
			return nil
		}
		if err != nil {
			return fmt.Errorf("read from service: %w", err)
		}
		if ctx.Err() != nil {
			// The other direction broke the attempt: forward nothing more.
			return context.Cause(ctx)
		}
		if h.typ == msgOutputCommand && p.tryFire(a, CrashBeforeCompletion) {
			cancel(errFault)
			return errFault
		}
		if err := fc.forward(h); err != nil {
			return err
		}
		if h.typ == msgSetStateCommand {
			// Only the service's own writes hold: Restate replays recorded ones to it.
			if hold := p.takeHold(a); hold != nil {
				hold.id = a.id
				close(hold.held)
				select {
				case <-hold.release:
				case <-ctx.Done():
					return context.Cause(ctx)
				}
			}
		}
	}
}
