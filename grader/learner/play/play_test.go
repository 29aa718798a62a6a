package play_test

import (
	"bufio"
	"context"
	"encoding/json"
	"io"
	"net/http"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"idempotency/contract/ex1"
	"idempotency/grader"
	ex1grader "idempotency/grader/ex1"
	"idempotency/grader/learner/play"
	"idempotency/grader/runtime"
	"idempotency/grader/selftest/gradetest"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// The schemas sdk-go 1.2.0 registers for Exercise 1's inputs (from GET /services/OrderService).
const (
	updateSchema = `{"$defs":{"OrderItem":{"additionalProperties":false,"properties":{"price":{"type":"integer"},"productId":{"type":"string"},"quantity":{"type":"integer"}},"required":["productId","quantity","price"],"type":"object"},"UpdateOrderRequest":{"$ref":"#"}},"$schema":"https://json-schema.org/draft/2020-12/schema","additionalProperties":false,"properties":{"items":{"items":{"$ref":"#/$defs/OrderItem"},"type":"array"},"total":{"type":"integer"}},"required":["items","total"],"type":"object"}`
)

func TestExampleFromSchema(t *testing.T) {
	got, err := play.Example(json.RawMessage(updateSchema))
	require.NoError(t, err)
	assert.JSONEq(t, `{"items":[{"price":1250,"productId":"product-1","quantity":1}],"total":1250}`, got)
	var req ex1.UpdateOrderRequest
	require.NoError(t, json.Unmarshal([]byte(got), &req), "the example decodes into the contract type")

	got, err = play.Example(nil)
	require.NoError(t, err)
	assert.Equal(t, "{}", got)
}

var curlLine = regexp.MustCompile(`^\s*curl -sS -X POST '([^']+)'(?: -H 'content-type: application/json' -d '(.*)')?$`)

// Play prints a curl command for every handler; run as printed (with net/http), they
// create, read, cancel and (refused) update an order, and the cancellation notice shows
// up in the live ledger. Ctrl-C leaves nothing running.
func TestPlayCommandsWork(t *testing.T) {
	root := gradetest.Root(t)
	t.Setenv("TMPDIR", t.TempDir())
	pr, pw := io.Pipe()
	lines := make(chan string, 1000)
	go func() {
		sc := bufio.NewScanner(pr)
		for sc.Scan() {
			lines <- sc.Text()
		}
		close(lines)
	}()
	next := func(what string, match func(string) bool) string {
		t.Helper()
		deadline := time.After(2 * time.Minute)
		for {
			select {
			case l, ok := <-lines:
				require.True(t, ok, "output ended before %s", what)
				if match(l) {
					return l
				}
			case <-deadline:
				t.Fatalf("no %s within 2 minutes", what)
			}
		}
	}

	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	done := make(chan error, 1)
	go func() {
		done <- play.Run(ctx, ex1grader.Exercise(), grader.Options{
			Dir: filepath.Join(root, "solutions/ex1"), Root: root, Seed: 3,
			Runtime: runtime.Config{Kind: runtime.Native}, Progress: io.Discard,
		}, pw)
		pw.Close()
	}()

	type cmd struct{ url, body string }
	var cmds []cmd
	for {
		l := next("the ledger header", func(l string) bool { return curlLine.MatchString(l) || l == play.LedgerHeader })
		if l == play.LedgerHeader {
			break
		}
		m := curlLine.FindStringSubmatch(l)
		cmds = append(cmds, cmd{m[1], m[2]})
	}
	require.Len(t, cmds, 4, "one command per handler")
	want := []struct {
		handler string
		status  int
	}{{ex1.CreateOrder, 200}, {ex1.GetOrder, 200}, {ex1.CancelOrder, 200}, {ex1.UpdateOrder, 409}}
	for i, w := range want {
		c := cmds[i]
		require.True(t, strings.HasSuffix(c.url, "/OrderService/order-1/"+w.handler), c.url)
		req, err := http.NewRequestWithContext(ctx, http.MethodPost, c.url, strings.NewReader(c.body))
		require.NoError(t, err)
		if c.body != "" {
			req.Header.Set("content-type", "application/json")
		}
		resp, err := http.DefaultClient.Do(req)
		require.NoError(t, err)
		body, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		assert.Equal(t, w.status, resp.StatusCode, "%s: %s", w.handler, body)
		if w.handler == ex1.CreateOrder {
			var o ex1.Order
			require.NoError(t, json.Unmarshal(body, &o))
			assert.Equal(t, "order-1", o.OrderID)
		}
		if w.handler == ex1.CancelOrder {
			l := next("the notice in the ledger", func(l string) bool { return strings.Contains(l, "notify") })
			assert.Contains(t, l, `event="order.cancelled"`)
			assert.Contains(t, l, "delivered")
			// Once finished, the cancel's timeline: its journal steps and the notice.
			next("the cancel's timeline", func(l string) bool {
				return strings.Contains(l, "what Restate did: OrderService/order-1/CancelOrder: succeeded")
			})
			l = next("the notice in the timeline", func(l string) bool { return strings.Contains(l, "-> notify") })
			assert.Contains(t, l, "> sent")
		}
	}

	cancel()
	select {
	case err := <-done:
		assert.NoError(t, err)
	case <-time.After(time.Minute):
		t.Fatal("play did not stop after its context ended")
	}
	for range lines { // drain
	}
	assert.Empty(t, gradetest.Children(t), "processes left running after play stopped")
}

// An invocation that Restate keeps retrying is explained in the live output, once.
func TestPlayExplainsRetries(t *testing.T) {
	root := gradetest.Root(t)
	t.Setenv("TMPDIR", t.TempDir())
	probe := grader.Exercise{
		ID: "probe", Title: "probe", Stub: "grader/testdata/loop/probe", Solution: "grader/testdata/loop/probe",
		Services: map[string][]string{"Probe": {"Plain", "Panics"}},
	}
	pr, pw := io.Pipe()
	lines := make(chan string, 1000)
	go func() {
		sc := bufio.NewScanner(pr)
		for sc.Scan() {
			lines <- sc.Text()
		}
		close(lines)
	}()
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	done := make(chan error, 1)
	go func() {
		done <- play.Run(ctx, probe, grader.Options{
			Dir: filepath.Join(root, probe.Stub), Root: root, Seed: 3,
			// A budget large enough that the invocations are still backing off when polled.
			Runtime: runtime.Config{Kind: runtime.Native, RetryMaxAttempts: 1000}, Progress: io.Discard,
		}, pw)
		pw.Close()
	}()
	var ingressURL string
	want := map[string]string{
		"Probe/k-plain/Plain":  "Plain returned a plain Go error",
		"Probe/k-panic/Panics": "Panics panicked at main.go",
	}
	deadline := time.After(2 * time.Minute)
	for len(want) > 0 {
		select {
		case l, ok := <-lines:
			require.True(t, ok, "output ended early")
			if m := curlLine.FindStringSubmatch(l); m != nil && ingressURL == "" {
				ingressURL = m[1][:strings.Index(m[1], "/Probe/")]
			}
			if l == play.LedgerHeader {
				for _, path := range []string{"/Probe/k-plain/Plain/send", "/Probe/k-panic/Panics/send"} {
					req, err := http.NewRequest(http.MethodPost, ingressURL+path, nil)
					require.NoError(t, err)
					resp, err := http.DefaultClient.Do(req)
					require.NoError(t, err)
					resp.Body.Close()
					require.Equal(t, http.StatusAccepted, resp.StatusCode, path)
				}
			}
			for target, text := range want {
				if strings.Contains(l, "Restate is retrying "+target) {
					t.Log(l)
					assert.Contains(t, l, text)
					delete(want, target)
				}
			}
		case <-deadline:
			t.Fatalf("no explanation for %v within 2 minutes", want)
		}
	}
	cancel()
	select {
	case err := <-done:
		assert.NoError(t, err)
	case <-time.After(time.Minute):
		t.Fatal("play did not stop")
	}
	for range lines {
	}
	assert.Empty(t, gradetest.Children(t))
}
