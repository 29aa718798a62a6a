package proxy

import (
	"context"
	"errors"
	"log/slog"
	"net"
	"net/http"
	"sync"
	"testing"
	"time"

	restate "github.com/restatedev/sdk-go"
	"github.com/restatedev/sdk-go/server"
	"github.com/stretchr/testify/require"
)

// counterService is the name Reflect derives from the Counter type.
const counterService = "Counter"

// Counter is a virtual object whose handlers count, in this process, how often
// their code really ran: that is what a fault must change, or must not.
type Counter struct {
	mu     sync.Mutex
	counts map[string]int

	// Block's hooks: entered receives the key when Block starts, released
	// lets it return, and cancelled receives the key when its stream died.
	entered   chan string
	released  chan struct{}
	cancelled chan string
}

func newCounter() *Counter {
	return &Counter{
		counts:    map[string]int{},
		entered:   make(chan string, 16),
		released:  make(chan struct{}),
		cancelled: make(chan string, 16),
	}
}

func (c *Counter) inc(name string) int {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.counts[name]++
	return c.counts[name]
}

func (c *Counter) count(name string) int {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.counts[name]
}

// Direct counts outside the journal: every attempt that runs it counts again.
func (c *Counter) Direct(ctx restate.ObjectContext) (int, error) {
	return c.inc("direct/" + restate.Key(ctx)), nil
}

// InRun counts inside restate.Run: once recorded, a replay returns the recorded count.
func (c *Counter) InRun(ctx restate.ObjectContext) (int, error) {
	key := restate.Key(ctx)
	return restate.Run(ctx, func(restate.RunContext) (int, error) {
		return c.inc("run/" + key), nil
	})
}

// TwoRuns counts in two runs, one after the other, and counts directly each
// time an attempt gets past the first run.
func (c *Counter) TwoRuns(ctx restate.ObjectContext) (int, error) {
	key := restate.Key(ctx)
	a, err := restate.Run(ctx, func(restate.RunContext) (int, error) { return c.inc("two-a/" + key), nil })
	if err != nil {
		return 0, err
	}
	c.inc("two-between/" + key)
	b, err := restate.Run(ctx, func(restate.RunContext) (int, error) { return c.inc("two-b/" + key), nil })
	return a + b, err
}

// Maybe runs a Run only when asked, to show an armed run fault waits for one.
func (c *Counter) Maybe(ctx restate.ObjectContext, withRun bool) (int, error) {
	key := restate.Key(ctx)
	if !withRun {
		return c.inc("maybe-direct/" + key), nil
	}
	return restate.Run(ctx, func(restate.RunContext) (int, error) {
		return c.inc("maybe-run/" + key), nil
	})
}

// FailFirst fails its first attempt with a retryable error: that attempt ends
// with an ErrorMessage and no output.
func (c *Counter) FailFirst(ctx restate.ObjectContext) (int, error) {
	n := c.inc("failfirst/" + restate.Key(ctx))
	if n == 1 {
		return 0, errors.New("transient failure on the first attempt")
	}
	return n, nil
}

// Sleepy awaits a timer between two runs, so under a zero inactivity timeout
// the invocation suspends and resumes on new attempt streams.
func (c *Counter) Sleepy(ctx restate.ObjectContext) (int, error) {
	key := restate.Key(ctx)
	if _, err := restate.Run(ctx, func(restate.RunContext) (int, error) { return c.inc("sleepy-a/" + key), nil }); err != nil {
		return 0, err
	}
	if err := restate.Sleep(ctx, 10*time.Millisecond); err != nil {
		return 0, err
	}
	return restate.Run(ctx, func(restate.RunContext) (int, error) { return c.inc("sleepy-b/" + key), nil })
}

// Block holds its stream open until released or until the stream dies.
func (c *Counter) Block(ctx restate.ObjectContext) (int, error) {
	key := restate.Key(ctx)
	c.entered <- key
	select {
	case <-c.released:
		return 1, nil
	case <-ctx.Done():
		c.cancelled <- key
		return 0, ctx.Err()
	}
}

// serveCounter serves c over h2c on a free loopback port, as sdk-go's own
// server would, and returns its URL.
func serveCounter(t testing.TB, c *Counter) string {
	t.Helper()
	quiet := slog.NewTextHandler(discard{}, nil)
	h, err := server.NewRestate().WithLogger(quiet, true).Bind(restate.Reflect(c)).Handler()
	require.NoError(t, err)
	var protocols http.Protocols
	protocols.SetUnencryptedHTTP2(true)
	srv := &http.Server{Handler: h, Protocols: &protocols}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	require.NoError(t, err)
	done := make(chan struct{})
	go func() {
		defer close(done)
		_ = srv.Serve(ln)
	}()
	t.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		if srv.Shutdown(ctx) != nil {
			_ = srv.Close()
		}
		<-done
	})
	return "http://" + ln.Addr().String()
}

type discard struct{}

func (discard) Write(b []byte) (int, error) { return len(b), nil }
