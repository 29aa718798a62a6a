package grader_test

import (
	"context"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"idempotency/contract/ex1"
	"idempotency/fixtures/world"
	"idempotency/grader"
	ex1grader "idempotency/grader/ex1"
	"idempotency/grader/internal/explain"
	"idempotency/grader/runtime"
	"idempotency/grader/selftest/gradetest"

	restate "github.com/restatedev/sdk-go"
	"github.com/restatedev/sdk-go/ingress"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func startSession(t *testing.T, ex grader.Exercise, dir string) (*grader.Session, error) {
	t.Helper()
	root := gradetest.Root(t)
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	s, err := grader.StartSession(ctx, ex, grader.Options{
		Dir: filepath.Join(root, dir), Root: root, Seed: 7,
		Runtime: runtime.Config{Kind: runtime.Native},
	})
	if s != nil {
		t.Cleanup(s.Close)
	}
	return s, err
}

// A session runs the solution registered and reachable through the ingress, its gateway
// calls land in the world's ledger, and Close leaves no process behind.
func TestSessionServesTheSubmission(t *testing.T) {
	s, err := startSession(t, ex1grader.Exercise(), "solutions/ex1")
	require.NoError(t, err)
	assert.Equal(t, "solutions/ex1", s.Dir)
	require.Len(t, s.Deployment.Services, 1)
	assert.Equal(t, ex1.ServiceName, s.Deployment.Services[0].Name)

	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	c := ingress.NewClient(s.IngressURL)
	req := ex1.OrderRequest{CustomerID: "cus_1", Items: []ex1.OrderItem{{ProductID: "sku-1", Quantity: 1, Price: 100}}, Total: 100}
	o, err := ingress.Object[ex1.OrderRequest, ex1.Order](c, ex1.ServiceName, "o-1", ex1.CreateOrder).Request(ctx, req)
	require.NoError(t, err)
	assert.Equal(t, "o-1", o.OrderID)
	_, err = ingress.Object[restate.Void, ex1.Order](c, ex1.ServiceName, "o-1", ex1.CancelOrder).Request(ctx, restate.Void{})
	require.NoError(t, err)
	calls, err := s.World.WaitCalls(ctx, 1, world.Gateway(world.Notify))
	require.NoError(t, err)
	assert.Len(t, calls.Delivered(), 1)

	s.Close()
	s.Close() // twice is fine
	assert.Empty(t, gradetest.Children(t), "processes left running after Close")
}

// A renamed handler does not stop a session: the rest can be called, and the session
// names what is missing and the likely new name.
func TestSessionNamesARenamedHandler(t *testing.T) {
	s, err := startSession(t, ex1grader.Exercise(), "grader/testdata/loop/renamed")
	require.NoError(t, err)
	defer s.Close()
	assert.False(t, s.Registration.Complete())
	assert.Contains(t, strings.Join(s.Registration.All(), "\n"), "you registered OrderService.CreateOrders: renamed?")
}

// TestExplainLive runs the probe service against a real restate-server and checks the
// explanation of each failure it provokes: the message formats the unit tests copy.
func TestExplainLive(t *testing.T) {
	probe := grader.Exercise{
		ID: "probe", Title: "probe", Stub: "grader/testdata/loop/probe", Solution: "grader/testdata/loop/probe",
		Services:     map[string][]string{"Probe": {"Mismatch", "Plain", "Panics", "Terminal"}},
		ForcedReplay: true, // every await suspends, so Mismatch replays
	}
	s, err := startSession(t, probe, probe.Stub)
	require.NoError(t, err)
	env := &grader.Env{Ingress: ingress.NewClient(s.IngressURL)}

	want := map[string][]string{
		"Mismatch": {"Mismatch is not deterministic", "restate.Set", "looks like a time"},
		"Plain":    {"Plain returned a plain Go error (\"payment gateway said no\")", "restate.ToTerminalError"},
		"Panics":   {"Panics panicked", "assignment to entry in nil map"},
		"Terminal": {"Terminal answered 404: no such thing"},
	}
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	got := map[string]string{}
	var mu sync.Mutex
	var wg sync.WaitGroup
	for h := range want {
		wg.Go(func() {
			_, err := grader.Call[restate.Void, string](ctx, env, grader.Target{Service: "Probe", Key: "k-" + h, Handler: h}, restate.Void{})
			var ce *grader.CallError
			if !assert.ErrorAs(t, err, &ce, h) {
				return
			}
			mu.Lock()
			got[h] = grader.ExplainCall(ce, s.Service.Logs())
			mu.Unlock()
		})
	}
	wg.Wait()
	for h, ws := range want {
		for _, w := range ws {
			assert.Contains(t, got[h], w, h)
		}
	}

	_, err = s.Admin.Register(ctx, "http://127.0.0.1:1")
	assert.ErrorContains(t, explain.Registration(err, "http://127.0.0.1:1"), "could not connect to your service")
}
