package proxy

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log"
	"net"
	"net/http"
	"net/http/httputil"
	"net/url"
	"strings"
	"sync"
	"time"
)

// Proxy forwards Restate's service protocol to a deployment and injects faults.
type Proxy struct {
	// URL is where the proxy listens, http://127.0.0.1:PORT: register this
	// with Restate as the deployment's uri.
	URL string

	srv         *http.Server
	transport   *http.Transport
	passthrough *httputil.ReverseProxy
	served      chan struct{} // closed when srv.Serve returns

	// closing is cancelled by Close, to break streams still in flight.
	closing context.Context
	stop    context.CancelCauseFunc

	mu          sync.Mutex
	upstream    *url.URL
	upstreamErr error // why the last setUpstream was refused; streams fail with it
	closed      bool
	handlers    sync.WaitGroup // every running handler; Add only under mu while !closed
	book        ledger
}

// upstreamKey carries the upstream chosen for a passthrough request to Rewrite.
type upstreamKey struct{}

// errClosed is the cause given to streams broken by Close.
var errClosed = errors.New("proxy closed")

// Start listens on 127.0.0.1:0 and forwards to upstream (e.g. "http://127.0.0.1:9080").
func Start(upstream string) (*Proxy, error) {
	u, err := parseUpstream(upstream)
	if err != nil {
		return nil, err
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return nil, fmt.Errorf("listen: %w", err)
	}

	// Both hops speak HTTP/2 without TLS, like sdk-go's own server. HTTP/1 is
	// accepted inbound too, for a curl at /discover.
	var in, out http.Protocols
	in.SetHTTP1(true)
	in.SetUnencryptedHTTP2(true)
	out.SetUnencryptedHTTP2(true)

	quiet := log.New(io.Discard, "", 0) // the grader's report, not stderr, tells what happened
	p := &Proxy{
		URL:      "http://" + ln.Addr().String(),
		upstream: u,
		served:   make(chan struct{}),
		book:     newLedger(),
		transport: &http.Transport{
			Protocols:   &out,
			DialContext: (&net.Dialer{Timeout: 5 * time.Second}).DialContext,
			// One HTTP/2 connection carries every stream; never cap them below
			// what Restate may run at once.
			HTTP2: &http.HTTP2Config{MaxConcurrentStreams: 1000},
		},
	}
	p.closing, p.stop = context.WithCancelCause(context.Background())
	p.passthrough = &httputil.ReverseProxy{
		Rewrite:       func(r *httputil.ProxyRequest) { r.SetURL(r.In.Context().Value(upstreamKey{}).(*url.URL)) },
		Transport:     p.transport,
		FlushInterval: -1,
		ErrorLog:      quiet,
	}
	p.srv = &http.Server{
		Handler:           http.HandlerFunc(p.serve),
		Protocols:         &in,
		HTTP2:             &http.HTTP2Config{MaxConcurrentStreams: 1000},
		ReadHeaderTimeout: 10 * time.Second,
		ErrorLog:          quiet,
	}
	go func() {
		defer close(p.served)
		_ = p.srv.Serve(ln) // returns ErrServerClosed after Close; nothing else to report to
	}()
	return p, nil
}

func parseUpstream(upstream string) (*url.URL, error) {
	u, err := url.Parse(upstream)
	if err != nil {
		return nil, fmt.Errorf("parse upstream %q: %w", upstream, err)
	}
	if u.Scheme != "http" || u.Host == "" {
		return nil, fmt.Errorf("upstream %q: want http://host:port (h2c)", upstream)
	}
	return u, nil
}

// setUpstream changes where new streams go (service restarted on another port).
// Streams in flight stay on the old address. A malformed upstream makes every
// new stream fail with 502 and the reason, which Restate records as the
// invocation's last failure: there is no error to return it through.
func (p *Proxy) setUpstream(upstream string) {
	u, err := parseUpstream(upstream)
	p.mu.Lock()
	if err != nil {
		p.upstreamErr = err
	} else {
		p.upstream, p.upstreamErr = u, nil
	}
	p.mu.Unlock()
	// Idle connections point at the old process; do not let a new stream try one.
	p.transport.CloseIdleConnections()
}

// upstreamURL returns a copy of the current upstream, for one request to modify.
func (p *Proxy) upstreamURL() (*url.URL, error) {
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.upstreamErr != nil {
		return nil, p.upstreamErr
	}
	u := *p.upstream
	return &u, nil
}

// Close stops listening, resets in-flight streams and waits for handlers to return.
func (p *Proxy) Close() error {
	p.mu.Lock()
	if p.closed {
		p.mu.Unlock()
		return nil
	}
	p.closed = true
	p.mu.Unlock()

	p.stop(errClosed)
	err := p.srv.Close()
	p.handlers.Wait()
	<-p.served
	p.transport.CloseIdleConnections()
	if err != nil {
		return fmt.Errorf("close proxy: %w", err)
	}
	return nil
}

// enter registers a handler with Close, or reports that the proxy is closing.
func (p *Proxy) enter() bool {
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.closed {
		return false
	}
	p.handlers.Add(1)
	return true
}

func (p *Proxy) serve(w http.ResponseWriter, r *http.Request) {
	if !p.enter() {
		http.Error(w, "proxy closed", http.StatusServiceUnavailable)
		return
	}
	defer p.handlers.Done()
	upstream, err := p.upstreamURL()
	if err != nil {
		http.Error(w, fmt.Sprintf("fault proxy: %v", err), http.StatusBadGateway)
		return
	}
	if service, handler, ok := invokePath(r.URL.Path); ok && r.Method == http.MethodPost {
		p.serveAttempt(w, r, upstream, service, handler)
		return
	}
	p.passthrough.ServeHTTP(w, r.WithContext(context.WithValue(r.Context(), upstreamKey{}, upstream)))
}

// invokePath splits /invoke/{Service}/{Handler}, the path of an invocation attempt.
func invokePath(path string) (service, handler string, ok bool) {
	rest, ok := strings.CutPrefix(path, "/invoke/")
	if !ok {
		return "", "", false
	}
	service, handler, ok = strings.Cut(rest, "/")
	if !ok || service == "" || handler == "" || strings.Contains(handler, "/") {
		return "", "", false
	}
	return service, handler, true
}
