package proxy

import (
	"bytes"
	"fmt"
	"io"
	"net"
	"net/http"
	"runtime"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// These tests drive the proxy with a scripted Restate (an h2c client) and a
// scripted service (an h2c server), so they can check byte for byte what
// crosses the proxy, without a restate-server.

// seenByService is what the fake service observed on one attempt stream.
type seenByService struct {
	types []msgType
	err   error // how reading Restate's side ended: nil for a clean EOF
	died  bool  // its stream was reset
}

// afterReply is what the fake service does once it has replied to the input.
type afterReply int

const (
	finish     afterReply = iota // end the response, like an SDK after End
	awaitReset                   // hold the stream until the proxy resets it
	readOn                       // keep reading until Restate's side ends or dies
)

// fakeService answers /invoke/*: on Restate's InputCommand it sends reply,
// then does what after says. It answers /discover with a fixed body.
func fakeService(t *testing.T, reply []byte, after afterReply) (string, <-chan seenByService) {
	t.Helper()
	seen := make(chan seenByService, 8)
	mux := http.NewServeMux()
	mux.HandleFunc("/discover", func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("content-type", "application/json")
		_, _ = io.WriteString(w, `{"services":[]}`)
	})
	mux.HandleFunc("/invoke/", func(w http.ResponseWriter, r *http.Request) {
		w.WriteHeader(http.StatusOK)
		rc := http.NewResponseController(w)
		_ = rc.Flush()
		var s seenByService
		c := newFrameCopier(io.Discard, r.Body, nil)
		for {
			h, err := c.next()
			if err != nil {
				if err != io.EOF {
					s.err = err
				}
				break
			}
			s.types = append(s.types, h.typ)
			if err := c.forward(h); err != nil {
				s.err = err
				break
			}
			if h.typ != msgInputCommand {
				continue
			}
			_, _ = w.Write(reply)
			_ = rc.Flush()
			if after == finish {
				break
			}
			if after == awaitReset {
				select {
				case <-r.Context().Done():
					s.died = true
				case <-time.After(10 * time.Second):
				}
				break
			}
		}
		seen <- s
	})
	var protocols http.Protocols
	protocols.SetUnencryptedHTTP2(true)
	srv := &http.Server{Handler: mux, Protocols: &protocols}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	require.NoError(t, err)
	go func() { _ = srv.Serve(ln) }()
	t.Cleanup(func() { _ = srv.Close() })
	return "http://" + ln.Addr().String(), seen
}

const msgInputCommand msgType = 0x0400

// script is what a fake Restate sends on one attempt stream.
type script struct {
	first [][]byte // sent at once
	then  [][]byte // sent once the service's first message came back, as Restate answers a proposed run
	// gotFirst, when set, is closed once the service's first message came back.
	gotFirst chan struct{}
}

// fakeRestate plays s on a new attempt stream. It returns every byte the proxy
// sent back and how that stream ended (nil for a clean end). It may run on
// another goroutine than the test's, so it reports failures only by its error.
func fakeRestate(t *testing.T, proxyURL string, s script) ([]byte, error) {
	t.Helper()
	var protocols http.Protocols
	protocols.SetUnencryptedHTTP2(true)
	tr := &http.Transport{Protocols: &protocols}
	t.Cleanup(tr.CloseIdleConnections)

	body, bodyW := io.Pipe()
	t.Cleanup(func() { bodyW.Close() })
	req, err := http.NewRequest(http.MethodPost, proxyURL+"/invoke/S/H", body)
	if err != nil {
		return nil, err
	}
	req.Header.Set("content-type", "application/vnd.restate.invocation.v6")
	send := func(msgs [][]byte) {
		for _, m := range msgs {
			if _, err := bodyW.Write(m); err != nil {
				return
			}
		}
		// Like Restate, keep our side open until the service is done.
	}
	go send(s.first)

	resp, err := tr.RoundTrip(req)
	if err != nil {
		return nil, err
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		return nil, fmt.Errorf("status %s", resp.Status)
	}
	var got bytes.Buffer
	c := newFrameCopier(&got, resp.Body, nil)
	for n := 0; ; n++ {
		h, err := c.next()
		if err == nil {
			err = c.forward(h)
		}
		if err == io.EOF {
			return got.Bytes(), nil
		}
		if err != nil {
			return got.Bytes(), err
		}
		if n == 0 {
			if s.then != nil {
				go send(s.then)
			}
			if s.gotFirst != nil {
				close(s.gotFirst)
			}
		}
	}
}

func startMsg(key string) []byte { return frame(msgStart, startBody("inv_fake", key)) }

func TestFaultsBreakBothStreams(t *testing.T) {
	progress := frame(msgType(0x0005), []byte("propose run"))
	output := frame(msgOutputCommand, []byte("result"))
	end := frame(msgType(0x0003), nil)
	input := frame(msgInputCommand, []byte("input"))
	runDone := frame(msgRunCompletionNotification, []byte("run result"))

	type testCase struct {
		name        string
		arm         Fault  // armed for key "k"
		key         string // the attempt's object key
		reply       []byte // what the service sends on input
		after       afterReply
		then        [][]byte  // what Restate sends once the service's first message arrived
		wantBack    []byte    // what Restate receives before the stream ends
		wantReset   bool      // Restate's stream is reset rather than ended
		wantService []msgType // what the service receives
		wantFired   int
	}
	completes := bytes.Join([][]byte{progress, output, end}, nil)
	for _, tc := range []testCase{
		{
			name:        "no fault",
			key:         "k",
			reply:       completes,
			wantBack:    completes,
			wantService: []msgType{msgStart, msgInputCommand},
		},
		{
			name:        "crash before completion",
			key:         "k",
			arm:         CrashBeforeCompletion,
			reply:       completes,
			after:       awaitReset,
			wantBack:    progress, // output and end never leave the proxy
			wantReset:   true,
			wantService: []msgType{msgStart, msgInputCommand},
			wantFired:   1,
		},
		{
			name:        "crash after run recorded",
			key:         "k",
			arm:         CrashAfterRunRecorded,
			reply:       progress,
			after:       readOn,
			then:        [][]byte{runDone},
			wantBack:    progress,
			wantReset:   true,
			wantService: []msgType{msgStart, msgInputCommand}, // never the run's completion
			wantFired:   1,
		},
		{
			name:        "armed for another key",
			key:         "other",
			arm:         CrashBeforeCompletion,
			reply:       completes,
			wantBack:    completes,
			wantService: []msgType{msgStart, msgInputCommand},
		},
	} {
		t.Run(tc.name, func(t *testing.T) {
			upstream, seen := fakeService(t, tc.reply, tc.after)
			p, err := Start(upstream)
			t.Cleanup(func() {
				if p != nil {
					assert.NoError(t, p.Close())
				}
			})
			require.NoError(t, err)
			if tc.arm != 0 {
				p.Arm(Target{Service: "S", Handler: "H", Key: "k"}, tc.arm, 1)
			}

			back, err := fakeRestate(t, p.URL, script{first: [][]byte{startMsg(tc.key), input}, then: tc.then})
			if tc.wantReset {
				assert.Error(t, err, "Restate's stream must be reset, not ended")
			} else {
				assert.NoError(t, err)
			}
			assert.Equal(t, tc.wantBack, back)

			select {
			case s := <-seen:
				assert.Equal(t, tc.wantService, s.types)
				if tc.wantReset {
					assert.True(t, s.died || s.err != nil, "the service's stream must die too")
				}
			case <-time.After(10 * time.Second):
				t.Fatal("the service never finished its stream")
			}
			assert.Equal(t, tc.wantFired, p.Fired(Target{}))
			assert.Equal(t, 1, p.Attempts(Target{}))
			assert.Equal(t, 1, p.AttemptsOf("inv_fake"))
		})
	}
}

func TestPassesOtherRequestsThrough(t *testing.T) {
	upstream, _ := fakeService(t, nil, finish)
	p, err := Start(upstream)
	t.Cleanup(func() {
		if p != nil {
			assert.NoError(t, p.Close())
		}
	})
	require.NoError(t, err)

	resp, err := http.Get(p.URL + "/discover")
	require.NoError(t, err)
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	require.NoError(t, err)
	assert.Equal(t, http.StatusOK, resp.StatusCode)
	assert.Equal(t, `{"services":[]}`, string(b))

	missing, err := http.Get(p.URL + "/nope")
	require.NoError(t, err)
	missing.Body.Close()
	assert.Equal(t, http.StatusNotFound, missing.StatusCode)
	assert.Equal(t, 0, p.Attempts(Target{}))
}

func TestSetUpstream(t *testing.T) {
	reply := frame(msgOutputCommand, []byte("from the first"))
	first, firstSeen := fakeService(t, reply, finish)
	secondReply := frame(msgOutputCommand, []byte("from the second"))
	second, secondSeen := fakeService(t, secondReply, finish)
	p, err := Start(first)
	t.Cleanup(func() {
		if p != nil {
			assert.NoError(t, p.Close())
		}
	})
	require.NoError(t, err)

	input := frame(msgInputCommand, nil)
	back, err := fakeRestate(t, p.URL, script{first: [][]byte{startMsg("k"), input}})
	require.NoError(t, err)
	assert.Equal(t, reply, back)
	<-firstSeen

	p.setUpstream(second)
	back, err = fakeRestate(t, p.URL, script{first: [][]byte{startMsg("k"), input}})
	require.NoError(t, err)
	assert.Equal(t, secondReply, back)
	<-secondSeen
}

func TestBadUpstreamFailsStreams(t *testing.T) {
	upstream, _ := fakeService(t, nil, finish)
	p, err := Start(upstream)
	t.Cleanup(func() {
		if p != nil {
			assert.NoError(t, p.Close())
		}
	})
	require.NoError(t, err)

	p.setUpstream("127.0.0.1:9080") // no scheme
	resp, err := http.Get(p.URL + "/discover")
	require.NoError(t, err)
	b, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	assert.Equal(t, http.StatusBadGateway, resp.StatusCode)
	assert.Contains(t, string(b), "127.0.0.1:9080")

	p.setUpstream(upstream)
	resp, err = http.Get(p.URL + "/discover")
	require.NoError(t, err)
	resp.Body.Close()
	assert.Equal(t, http.StatusOK, resp.StatusCode)
}

func TestStartRejectsBadUpstream(t *testing.T) {
	for _, u := range []string{"", "127.0.0.1:9080", "https://127.0.0.1:9080", "http://"} {
		p, err := Start(u)
		if p != nil {
			p.Close()
		}
		assert.Errorf(t, err, "upstream %q", u)
	}
}

func TestCloseBreaksStreamsInFlight(t *testing.T) {
	progress := frame(msgType(0x0005), []byte("working"))
	upstream, seen := fakeService(t, progress, readOn) // never finishes on its own
	p, err := Start(upstream)
	require.NoError(t, err)

	ended := make(chan error, 1)
	midStream := make(chan struct{})
	go func() {
		_, err := fakeRestate(t, p.URL, script{first: [][]byte{startMsg("k"), frame(msgInputCommand, nil)}, gotFirst: midStream})
		ended <- err
	}()
	select {
	case <-midStream:
	case err := <-ended:
		t.Fatalf("the stream ended before Close: %v", err)
	case <-time.After(10 * time.Second):
		t.Fatal("the service's first message never came back")
	}

	closed := make(chan error, 1)
	go func() { closed <- p.Close() }()
	select {
	case err := <-closed:
		assert.NoError(t, err)
	case <-time.After(10 * time.Second):
		t.Fatal("Close did not return with a stream in flight")
	}
	select {
	case err := <-ended:
		assert.Error(t, err, "Restate's stream must be broken")
	case <-time.After(10 * time.Second):
		t.Fatal("Restate's stream stayed open after Close")
	}
	select {
	case s := <-seen:
		assert.True(t, s.died || s.err != nil, "the service's stream must die too")
	case <-time.After(10 * time.Second):
		t.Fatal("the service's stream stayed open after Close")
	}
	assertNoProxyGoroutines(t)
	assert.NoError(t, p.Close(), "a second Close is harmless")
}

// assertNoProxyGoroutines fails if any goroutine still runs a Proxy method
// once Close has returned.
func assertNoProxyGoroutines(t *testing.T) {
	t.Helper()
	var stacks string
	ok := assert.Eventually(t, func() bool {
		buf := make([]byte, 1<<20)
		stacks = string(buf[:runtime.Stack(buf, true)])
		return !strings.Contains(stacks, "proxy.(*Proxy)")
	}, 5*time.Second, 10*time.Millisecond)
	if !ok {
		t.Logf("goroutines:\n%s", stacks)
	}
}
