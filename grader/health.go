package grader

import (
	"context"
	"fmt"
	"net"
	"net/http"
	"net/url"
	"strings"
	"time"
)

// harnessFault checks the parts of the run the grader owns (restate-server's admin API,
// its ingress and its SQL introspection, the fault proxy, the fixture world) and
// describes the first that does not answer. A verdict reached while one of them was
// down says nothing about the submission, so the caller reports it as "could not judge"
// instead of "fail". The service process is not checked: it is the submission's, and
// its death is the submission's doing.
//
// Each part gets its own deadline and a second chance: on a loaded machine (a class
// graded with many workers) a slow answer is not a dead part, and calling it dead would
// hide a verdict.
func harnessFault(env *Env) string {
	var checks []func(context.Context) (string, error)
	if env.Server != nil {
		checks = append(checks,
			func(ctx context.Context) (string, error) {
				return "restate-server stopped answering", httpOK(ctx, env.Server.AdminURL()+"/health")
			},
			func(ctx context.Context) (string, error) {
				return "restate-server's ingress stopped answering", httpOK(ctx, env.Server.IngressURL()+"/restate/health")
			})
	}
	if env.Admin != nil {
		checks = append(checks, func(ctx context.Context) (string, error) {
			var rows []struct {
				N int `json:"n"`
			}
			return "restate-server stopped answering SQL queries", env.Admin.Query(ctx, "SELECT COUNT(*) AS n FROM sys_deployment", &rows)
		})
	}
	if env.Proxy != nil {
		checks = append(checks, func(ctx context.Context) (string, error) {
			return "the grader's fault proxy stopped answering", dial(ctx, env.Proxy.URL)
		})
	}
	if env.World != nil {
		checks = append(checks, func(ctx context.Context) (string, error) {
			return "the fixture world stopped answering", dial(ctx, env.World.URL)
		})
	}
	for _, check := range checks {
		if what, err := probe(check); err != nil {
			return what + " (" + err.Error() + ")"
		}
	}
	return ""
}

// probe runs check with a deadline, and once more with a longer one if it fails.
func probe(check func(context.Context) (string, error)) (string, error) {
	var what string
	var err error
	for _, d := range []time.Duration{3 * time.Second, 10 * time.Second} {
		ctx, cancel := context.WithTimeout(context.Background(), d)
		what, err = check(ctx)
		cancel()
		if err == nil {
			return "", nil
		}
	}
	return what, err
}

func httpOK(ctx context.Context, u string) error {
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, u, nil)
	if err != nil {
		return err
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		return err
	}
	resp.Body.Close()
	if resp.StatusCode/100 != 2 {
		return fmt.Errorf("%s: status %d", u, resp.StatusCode)
	}
	return nil
}

func dial(ctx context.Context, rawURL string) error {
	u, err := url.Parse(rawURL)
	if err != nil {
		return err
	}
	host := u.Host
	if !strings.Contains(host, ":") {
		host += ":80"
	}
	var d net.Dialer
	c, err := d.DialContext(ctx, "tcp", host)
	if err != nil {
		return err
	}
	return c.Close()
}
