// Package admin is a small client of restate-server's admin API: register a deployment,
// query the introspection tables with SQL, kill an invocation.
package admin

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"time"
)

// Client talks to one admin endpoint.
type Client struct {
	URL   string // e.g. http://127.0.0.1:9070
	httpc *http.Client
}

// New returns a client for the admin API at url.
func New(url string) *Client {
	return &Client{URL: url, httpc: &http.Client{Timeout: 30 * time.Second}}
}

// Deployment is what registration reports: the services the deployment serves.
type Deployment struct {
	ID       string    `json:"id"`
	Services []Service `json:"services"`
}

// Service is one registered service with its handlers.
type Service struct {
	Name     string    `json:"name"`
	Ty       string    `json:"ty"`
	Handlers []Handler `json:"handlers"`
}

// Handler is one registered handler.
type Handler struct {
	Name string `json:"name"`
	Ty   string `json:"ty"` // "Shared" or "Exclusive" for a virtual object's handlers
}

// Register registers (or re-registers, with force) the deployment at uri.
func (c *Client) Register(ctx context.Context, uri string) (Deployment, error) {
	var d Deployment
	body := map[string]any{"uri": uri, "force": true}
	if err := c.do(ctx, http.MethodPost, "/deployments", body, &d); err != nil {
		return d, fmt.Errorf("register deployment %s: %w", uri, err)
	}
	return d, nil
}

// Error is a request of the grader's to restate-server's admin API (a SQL query, a kill)
// that failed: the server or the grader's request is at fault, never the submission.
type Error struct {
	Op  string // what the grader asked, e.g. `query "SELECT ..."`
	Err error
}

func (e *Error) Error() string { return e.Op + ": " + e.Err.Error() }
func (e *Error) Unwrap() error { return e.Err }

// Query runs one SQL statement on the introspection tables and decodes the rows into out
// (a pointer to a slice of structs with json tags).
func (c *Client) Query(ctx context.Context, sql string, out any) error {
	var resp struct {
		Rows json.RawMessage `json:"rows"`
	}
	if err := c.do(ctx, http.MethodPost, "/query", map[string]string{"query": sql}, &resp); err != nil {
		return &Error{Op: fmt.Sprintf("query %q", sql), Err: err}
	}
	if err := json.Unmarshal(resp.Rows, out); err != nil {
		return &Error{Op: fmt.Sprintf("decode rows of %q", sql), Err: err}
	}
	return nil
}

// Kill kills one invocation (it ends with a failure; its caller gets an error).
func (c *Client) Kill(ctx context.Context, invocationID string) error {
	if err := c.do(ctx, http.MethodPatch, "/invocations/"+invocationID+"/kill", nil, nil); err != nil {
		return &Error{Op: "kill invocation " + invocationID, Err: err}
	}
	return nil
}

func (c *Client) do(ctx context.Context, method, path string, in, out any) error {
	var body io.Reader
	if in != nil {
		b, err := json.Marshal(in)
		if err != nil {
			return err
		}
		body = bytes.NewReader(b)
	}
	req, err := http.NewRequestWithContext(ctx, method, c.URL+path, body)
	if err != nil {
		return err
	}
	req.Header.Set("content-type", "application/json")
	req.Header.Set("accept", "application/json")
	resp, err := c.httpc.Do(req)
	if err != nil {
		return err
	}
	defer resp.Body.Close()
	data, err := io.ReadAll(resp.Body)
	if err != nil {
		return err
	}
	if resp.StatusCode/100 != 2 {
		return fmt.Errorf("%s %s: status %d: %s", method, path, resp.StatusCode, bytes.TrimSpace(data))
	}
	if out == nil || len(data) == 0 {
		return nil
	}
	return json.Unmarshal(data, out)
}
