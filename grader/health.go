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
// describes the first that no longer answers within 2 seconds. A verdict
// reached while one of them was down says nothing about the submission, so the caller
// reports it as "could not judge" instead of "fail". The service process is not checked:
// it is the submission's, and its death is the submission's doing.
func harnessFault(env *Env) string {
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Second)
	defer cancel()
	if env.Server != nil {
		if err := httpOK(ctx, env.Server.AdminURL()+"/health"); err != nil {
			return "restate-server stopped answering (" + err.Error() + ")"
		}
		if err := httpOK(ctx, env.Server.IngressURL()+"/restate/health"); err != nil {
			return "restate-server's ingress stopped answering (" + err.Error() + ")"
		}
	}
	if env.Admin != nil {
		var rows []struct {
			N int `json:"n"`
		}
		if err := env.Admin.Query(ctx, "SELECT COUNT(*) AS n FROM sys_deployment", &rows); err != nil {
			return "restate-server stopped answering SQL queries (" + err.Error() + ")"
		}
	}
	if env.Proxy != nil {
		if err := dial(ctx, env.Proxy.URL); err != nil {
			return "the grader's fault proxy stopped answering (" + err.Error() + ")"
		}
	}
	if env.World != nil {
		if err := dial(ctx, env.World.URL); err != nil {
			return "the fixture world stopped answering (" + err.Error() + ")"
		}
	}
	return ""
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
