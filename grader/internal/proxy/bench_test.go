package proxy

import (
	"context"
	"net/http"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
)

// BenchmarkCall measures one ingress call end to end, with the deployment
// registered directly and through the proxy; the difference is the proxy's
// overhead. Run with: go test -run '^$' -bench Call ./grader/internal/proxy/
func BenchmarkCall(b *testing.B) {
	for _, viaProxy := range []bool{false, true} {
		name := "direct"
		if viaProxy {
			name = "proxy"
		}
		b.Run(name, func(b *testing.B) {
			rs := startRestate(b)
			c := newCounter()
			uri := serveCounter(b, c)
			if viaProxy {
				p, err := Start(uri)
				b.Cleanup(func() {
					if p != nil {
						_ = p.Close()
					}
				})
				require.NoError(b, err)
				uri = p.URL
			}
			rs.register(b, uri)
			call := func() {
				ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
				defer cancel()
				res, err := rs.call(ctx, counterService, "bench", "InRun", nil)
				require.NoError(b, err)
				require.Equal(b, http.StatusOK, res.status, res.body)
			}
			call() // the SDK compiles its WASM core on first use
			b.ResetTimer()
			for b.Loop() {
				call()
			}
		})
	}
}
