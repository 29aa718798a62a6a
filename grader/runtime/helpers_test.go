package runtime

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"net/url"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	restate "github.com/restatedev/sdk-go"
	"github.com/restatedev/sdk-go/server"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// testService serves, over h2c on loopback, the handlers the tests need:
// Counter/{key}/Add keeps a running total in object state (to see state survive a restart),
// Flaky/Fail always fails with a retryable error (to see the retry policy at work), and
// Steps/Two awaits two journaled steps (to see forced replay re-enter the handler).
type testService struct {
	url     string
	fails   atomic.Int64 // attempts of Flaky/Fail seen
	entries atomic.Int64 // times Steps/Two was entered, replays included
}

func startTestService(t *testing.T) *testService {
	t.Helper()
	ts := &testService{}
	counter := restate.NewObject("Counter").Handler("Add", restate.NewObjectHandler(
		func(ctx restate.ObjectContext, n int) (int, error) {
			total, err := restate.Get[int](ctx, "total")
			if err != nil {
				return 0, err
			}
			total += n
			restate.Set(ctx, "total", total)
			return total, nil
		}))
	flaky := restate.NewService("Flaky").Handler("Fail", restate.NewServiceHandler(
		func(ctx restate.Context, _ restate.Void) (restate.Void, error) {
			ts.fails.Add(1)
			return restate.Void{}, errors.New("flaky: always fails")
		}))
	steps := restate.NewService("Steps").Handler("Two", restate.NewServiceHandler(
		func(ctx restate.Context, _ restate.Void) (int, error) {
			ts.entries.Add(1)
			sum := 0
			for i := range 2 {
				n, err := restate.Run(ctx, func(restate.RunContext) (int, error) { return i + 1, nil })
				if err != nil {
					return 0, err
				}
				sum += n
			}
			return sum, nil
		}))
	handler, err := server.NewRestate().
		WithLogger(slog.NewTextHandler(io.Discard, nil), true).
		Bind(counter).Bind(flaky).Bind(steps).
		Handler()
	require.NoError(t, err)
	var protocols http.Protocols
	protocols.SetUnencryptedHTTP2(true)
	srv := &http.Server{Handler: handler, Protocols: &protocols}
	l, err := net.Listen("tcp", "127.0.0.1:0")
	require.NoError(t, err)
	go srv.Serve(l)
	t.Cleanup(func() { srv.Close() })
	ts.url = "http://" + l.Addr().String()
	return ts
}

// register makes the server know the test service.
func register(t *testing.T, s Server, ts *testService) {
	t.Helper()
	status, body := post(t, s.AdminURL()+"/deployments", fmt.Sprintf(`{"uri":%q,"force":true}`, ts.url))
	require.Contains(t, []int{http.StatusOK, http.StatusCreated}, status, "register deployment: %s", body)
}

// add calls Counter/key/Add through the ingress and returns the new total.
func add(t *testing.T, s Server, key string, n int) int {
	t.Helper()
	status, body := post(t, s.IngressURL()+"/Counter/"+key+"/Add", fmt.Sprint(n))
	require.Equal(t, http.StatusOK, status, "Counter/%s/Add: %s", key, body)
	var total int
	require.NoError(t, json.Unmarshal([]byte(body), &total))
	return total
}

func post(t *testing.T, url, body string) (int, string) {
	t.Helper()
	ctx, cancel := context.WithTimeout(t.Context(), 30*time.Second)
	defer cancel()
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, url, strings.NewReader(body))
	require.NoError(t, err)
	if body != "" {
		req.Header.Set("content-type", "application/json")
	}
	// Not pollClient: its 2 s limit is shorter than a cold SDK's first call under -race.
	resp, err := http.DefaultClient.Do(req)
	require.NoError(t, err)
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	require.NoError(t, err)
	return resp.StatusCode, string(b)
}

// assertLoopbackOnly checks that every port the server listens on answers on 127.0.0.1 and
// refuses connections on the machine's other addresses.
func assertLoopbackOnly(t *testing.T, s Server, p ports) {
	t.Helper()
	for _, u := range []string{s.AdminURL(), s.IngressURL()} {
		parsed, err := url.Parse(u)
		require.NoError(t, err)
		assert.Equal(t, loopback, parsed.Hostname(), u)
		assert.False(t, strings.HasSuffix(u, "/"), "%s has a trailing slash", u)
	}
	others := nonLoopbackAddrs(t)
	for _, port := range []int{p.admin, p.ingress, p.node} {
		c, err := net.DialTimeout("tcp", hostPort(port), time.Second)
		if assert.NoError(t, err, "port %d should answer on loopback", port) {
			c.Close()
		}
		for _, ip := range others {
			c, err := net.DialTimeout("tcp", net.JoinHostPort(ip, fmt.Sprint(port)), time.Second)
			if err == nil {
				c.Close()
			}
			assert.Error(t, err, "port %d answers on %s; it must listen on 127.0.0.1 only", port, ip)
		}
	}
}

func nonLoopbackAddrs(t *testing.T) []string {
	t.Helper()
	addrs, err := net.InterfaceAddrs()
	require.NoError(t, err)
	var ips []string
	for _, a := range addrs {
		if n, ok := a.(*net.IPNet); ok && !n.IP.IsLoopback() && n.IP.To4() != nil {
			ips = append(ips, n.IP.String())
		}
	}
	return ips
}

// startServer starts a server and registers its Stop as cleanup before checking the error,
// so a half-started server is cleaned up too.
func startServer(t *testing.T, cfg Config) Server {
	t.Helper()
	began := time.Now()
	s, err := Start(t.Context(), cfg)
	if s != nil {
		t.Cleanup(func() { assert.NoError(t, s.Stop()) })
	}
	require.NoError(t, err)
	t.Logf("%s restate-server ready in %s (admin %s, ingress %s)", s.Kind(), time.Since(began).Round(time.Millisecond), s.AdminURL(), s.IngressURL())
	return s
}

// eventually polls cond until it holds or the deadline passes; tests never sleep to sync.
func eventually(t *testing.T, deadline time.Duration, cond func() bool, msg string, args ...any) {
	t.Helper()
	assert.Eventually(t, cond, deadline, 20*time.Millisecond, append([]any{msg}, args...)...)
}

// serverLog collects a server's output and shows its tail only when the test failed.
func serverLog(t *testing.T) io.Writer {
	t.Helper()
	return serverLogTo(t, io.Discard)
}

// serverLogTo is serverLog that also copies everything to w.
func serverLogTo(t *testing.T, w io.Writer) io.Writer {
	t.Helper()
	sink := newLogSink(w)
	t.Cleanup(func() {
		if t.Failed() {
			t.Logf("last server log lines:\n%s", sink.tail(40))
		}
	})
	return sink
}

// syncBuffer is a bytes.Buffer that a server's log goroutines may write to while the test
// reads it.
type syncBuffer struct {
	mu  sync.Mutex
	buf bytes.Buffer
}

func (b *syncBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.Write(p)
}

func (b *syncBuffer) String() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.String()
}

// startsLogged counts the server starts seen in a log: every start prints this line once.
func startsLogged(log string) int { return strings.Count(log, "Starting Restate Server") }
