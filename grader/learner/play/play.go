// Package play runs a learner's service for poking by hand: restate-server, the fixture
// world and the service, registered; it prints a ready-to-paste curl command for every
// handler, then the gateway calls the service makes as they happen, and explains any
// invocation Restate keeps retrying.
package play

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"slices"
	"strings"
	"time"

	"idempotency/grader"
	"idempotency/grader/internal/admin"
)

// LedgerHeader is printed once the commands are out, before the first gateway call.
const LedgerHeader = "Gateway calls as they happen, and what Restate did in each invocation once it finished (Ctrl-C to stop):"

// Run starts a session for ex with opts and runs until ctx ends, then stops everything.
func Run(ctx context.Context, ex grader.Exercise, opts grader.Options, out io.Writer) error {
	s, err := grader.StartSession(ctx, ex, opts)
	if err != nil {
		if ctx.Err() != nil {
			return nil
		}
		return err
	}
	defer s.Close()

	cmds, err := Commands(ctx, ex, s.IngressURL, s.AdminURL, s.Deployment)
	if err != nil {
		return err
	}
	fmt.Fprintf(out, "\n%s is running (%s), registered with restate-server.\n", s.Dir, ex.Title)
	fmt.Fprintf(out, "  ingress %s   admin %s   service %s\n\n", s.IngressURL, s.AdminURL, s.Service.URL())
	if !s.Registration.Complete() {
		fmt.Fprintln(out, "Your deployment lacks part of the contract (grading fails only the criteria that call it):")
		for _, p := range s.Registration.All() {
			fmt.Fprintf(out, "  - %s\n", p)
		}
		fmt.Fprintln(out)
	}
	fmt.Fprintln(out, "Call it (each command is one line):")
	for _, c := range cmds {
		fmt.Fprintf(out, "\n  # %s\n  %s\n", c.Title, c.Curl())
	}
	fmt.Fprintln(out, "\nAdd -H 'idempotency-key: any-text' to a command and send it twice: Restate answers the repeat")
	fmt.Fprintln(out, "with the first result, without running your handler again.")
	fmt.Fprintf(out, "Look inside: curl -sS %s/query -H 'accept: application/json' -H 'content-type: application/json' -d '{\"query\":\"SELECT target, status, completion_result FROM sys_invocation\"}'\n", s.AdminURL)
	fmt.Fprintf(out, "\n%s\n", LedgerHeader)

	failures := watchFailures(ctx, s.Admin, out)
	timelines := watchTimelines(ctx, s, out)
	seen := 0
	for {
		calls, err := s.World.WaitCalls(ctx, seen+1)
		if ctx.Err() != nil {
			<-failures
			<-timelines
			return nil
		}
		if err != nil {
			return err
		}
		for _, c := range calls[seen:] {
			fmt.Fprintf(out, "  %s  %s\n", c.At.Format("15:04:05.000"), c.String())
		}
		seen = len(calls)
		if exited, how := s.Service.Exited(); exited {
			fmt.Fprintf(out, "your service stopped (%s). %s\n", how, grader.ExplainCrash(s.Service.Logs()))
		}
	}
}

// watchFailures polls sys_invocation and prints, once per invocation, why one that is
// being retried keeps failing. The returned channel closes when ctx ends.
func watchFailures(ctx context.Context, a *admin.Client, out io.Writer) <-chan struct{} {
	done := make(chan struct{})
	go func() {
		defer close(done)
		told := map[string]bool{}
		tick := time.NewTicker(500 * time.Millisecond)
		defer tick.Stop()
		for {
			select {
			case <-ctx.Done():
				return
			case <-tick.C:
			}
			var rows []admin.Invocation
			q := `SELECT id, target, target_service_name, target_service_key, target_handler_name, status, retry_count,
last_failure, last_failure_error_code FROM sys_invocation WHERE status = 'backing-off' AND last_failure IS NOT NULL`
			if err := a.Query(ctx, q, &rows); err != nil {
				continue
			}
			for _, inv := range rows {
				if told[inv.ID] {
					continue
				}
				told[inv.ID] = true
				fmt.Fprintf(out, "  %s  Restate is retrying %s (%s): %s\n", time.Now().Format("15:04:05.000"), inv.Target, inv.ID, grader.ExplainInvocation(inv))
			}
		}
	}()
	return done
}

// Command is one ready-to-run call of a handler through the ingress.
type Command struct {
	Title string // "OrderService.CreateOrder (virtual object, key order-1)"
	URL   string
	Body  string // JSON, or "" for a handler that takes no input
}

// Curl renders the command for a shell. Bodies never contain a single quote.
func (c Command) Curl() string {
	if c.Body == "" {
		return fmt.Sprintf("curl -sS -X POST '%s'", c.URL)
	}
	return fmt.Sprintf("curl -sS -X POST '%s' -H 'content-type: application/json' -d '%s'", c.URL, strings.ReplaceAll(c.Body, "'", `'\''`))
}

// serviceInfo is the part of GET /services/{name} that commands are made from.
type serviceInfo struct {
	Name     string        `json:"name"`
	Ty       string        `json:"ty"` // "Service", "VirtualObject" or "Workflow"
	Handlers []handlerInfo `json:"handlers"`
}

type handlerInfo struct {
	Name   string          `json:"name"`
	Input  string          `json:"input_description"` // "none" for no input
	Schema json.RawMessage `json:"input_json_schema"`
}

// Commands makes a command for every handler the deployment registered: the contract's
// handlers first, in the contract's order, then any others. Bodies are example values
// made from each handler's input JSON schema, which the SDK derives from the Go types.
func Commands(ctx context.Context, ex grader.Exercise, ingressURL, adminURL string, dep admin.Deployment) ([]Command, error) {
	var out []Command
	for _, svc := range dep.Services {
		info, err := describe(ctx, adminURL, svc.Name)
		if err != nil {
			return nil, err
		}
		order := ex.Services[svc.Name]
		handlers := slices.Clone(info.Handlers)
		slices.SortStableFunc(handlers, func(a, b handlerInfo) int {
			return rank(order, a.Name) - rank(order, b.Name)
		})
		for _, h := range handlers {
			c := Command{Title: svc.Name + "." + h.Name}
			path := "/" + url.PathEscape(svc.Name)
			switch info.Ty {
			case "VirtualObject", "Workflow":
				key := exampleKey(svc.Name)
				path += "/" + url.PathEscape(key)
				c.Title += fmt.Sprintf(" (%s, key %s)", kindName(info.Ty), key)
			}
			path += "/" + url.PathEscape(h.Name)
			c.URL = ingressURL + path
			if h.Input != "none" {
				body, err := Example(h.Schema)
				if err != nil {
					return nil, fmt.Errorf("example input of %s: %w", c.Title, err)
				}
				c.Body = body
			}
			out = append(out, c)
		}
	}
	return out, nil
}

func describe(ctx context.Context, adminURL, service string) (serviceInfo, error) {
	var info serviceInfo
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, adminURL+"/services/"+url.PathEscape(service), nil)
	if err != nil {
		return info, err
	}
	req.Header.Set("accept", "application/json")
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		return info, fmt.Errorf("describe service %s: %w", service, err)
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		return info, fmt.Errorf("describe service %s: status %d", service, resp.StatusCode)
	}
	if err := json.NewDecoder(resp.Body).Decode(&info); err != nil {
		return info, fmt.Errorf("describe service %s: %w", service, err)
	}
	return info, nil
}

func rank(order []string, name string) int {
	if i := slices.Index(order, name); i >= 0 {
		return i
	}
	return len(order)
}

func kindName(ty string) string {
	if ty == "Workflow" {
		return "workflow"
	}
	return "virtual object"
}

// exampleKey is an object key that reads well in a URL: "order-1" for OrderService.
func exampleKey(service string) string {
	base := strings.TrimSuffix(service, "Service")
	if base == "" {
		base = service
	}
	return strings.ToLower(base) + "-1"
}
