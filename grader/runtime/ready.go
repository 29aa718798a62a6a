package runtime

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"strings"
	"time"
)

const (
	// readyTimeout bounds a start: ~0.5 s is usual, so 30 s means the server is broken.
	readyTimeout = 30 * time.Second
	// pollInterval is short because readiness usually comes within half a second.
	pollInterval = 25 * time.Millisecond
	readyQuery   = `{"query":"SELECT id FROM sys_invocation LIMIT 1"}`
)

// pollClient never uses a proxy from the environment: the servers are on loopback, and each
// poll opens a fresh connection so no idle ones are left behind in a server being stopped.
var pollClient = &http.Client{
	Transport: &http.Transport{Proxy: nil, DisableKeepAlives: true},
	Timeout:   2 * time.Second,
}

// waitReady polls SQL on sys_invocation until it answers 200. Health endpoints are not
// enough: they answer before the partition has a leader, and invocations fail until then.
// gone reports (with a non-nil error) that the server exited, so a crash fails fast
// instead of waiting out the deadline.
func waitReady(ctx context.Context, adminURL string, gone func() error) error {
	ctx, cancel := context.WithTimeout(ctx, readyTimeout)
	defer cancel()
	tick := time.NewTicker(pollInterval)
	defer tick.Stop()
	var last error
	for {
		if err := gone(); err != nil {
			return err
		}
		last = querySQL(ctx, adminURL)
		if last == nil {
			return nil
		}
		select {
		case <-ctx.Done():
			if errors.Is(ctx.Err(), context.DeadlineExceeded) {
				return fmt.Errorf("restate-server not ready after %s (last answer: %v)", readyTimeout, last)
			}
			return fmt.Errorf("wait for restate-server: %w", ctx.Err())
		case <-tick.C:
		}
	}
}

func querySQL(ctx context.Context, adminURL string) error {
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, adminURL+"/query", strings.NewReader(readyQuery))
	if err != nil {
		return fmt.Errorf("build sql request: %w", err)
	}
	req.Header.Set("content-type", "application/json")
	req.Header.Set("accept", "application/json")
	resp, err := pollClient.Do(req)
	if err != nil {
		return err
	}
	defer resp.Body.Close()
	body, _ := io.ReadAll(io.LimitReader(resp.Body, 512))
	if resp.StatusCode != http.StatusOK {
		return fmt.Errorf("sql answered %s: %s", resp.Status, strings.TrimSpace(string(body)))
	}
	return nil
}
