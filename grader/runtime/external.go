package runtime

import (
	"context"
	"errors"
	"fmt"
	"net/url"
	"strings"
)

// externalServer is a restate-server someone else runs; the grader only talks to it.
type externalServer struct {
	ingress, admin string
}

func connectExternal(ctx context.Context, cfg Config) (Server, error) {
	ingress, err := baseURL("ingress", cfg.IngressURL)
	if err != nil {
		return nil, err
	}
	admin, err := baseURL("admin", cfg.AdminURL)
	if err != nil {
		return nil, err
	}
	never := func() error { return nil }
	if err := waitReady(ctx, admin, never); err != nil {
		return nil, fmt.Errorf("connect to external restate-server at %s: %w", admin, err)
	}
	return &externalServer{ingress: ingress, admin: admin}, nil
}

// baseURL checks an address given by a user and drops the trailing slash, so that callers
// can append paths.
func baseURL(what, raw string) (string, error) {
	if raw == "" {
		return "", fmt.Errorf("external restate-server: %s url is empty", what)
	}
	u, err := url.Parse(raw)
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
		return "", fmt.Errorf("external restate-server: %s url %q is not an http(s) url", what, raw)
	}
	return strings.TrimRight(raw, "/"), nil
}

func (s *externalServer) Kind() Kind         { return External }
func (s *externalServer) IngressURL() string { return s.ingress }
func (s *externalServer) AdminURL() string   { return s.admin }

// Restart is refused: the grader does not own an external server's process.
func (s *externalServer) Restart(context.Context) error {
	return errors.New("restart restate-server: an external server cannot be restarted by the grader")
}

// Stop leaves the server running: whoever started it stops it.
func (s *externalServer) Stop() error { return nil }
