// Package serve runs Restate service definitions as a deployment: the one piece of code
// every exercise's and solution's main shares.
package serve

import (
	"context"
	"fmt"
	"log/slog"
	"os"
	"os/signal"
	"syscall"

	restate "github.com/restatedev/sdk-go"
	"github.com/restatedev/sdk-go/server"
)

// DefaultPort is where a service listens when PORT is not set (Restate's usual 9080).
const DefaultPort = "9080"

// Main serves defs on 127.0.0.1:$PORT over h2c until SIGINT or SIGTERM, and exits
// non-zero if it cannot. Every exercise and solution main is a single call to it.
func Main(defs ...restate.ServiceDefinition) {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	if err := Serve(ctx, os.Getenv("PORT"), defs...); err != nil {
		fmt.Fprintln(os.Stderr, "serve:", err)
		os.Exit(1)
	}
}

// Serve binds defs and listens on 127.0.0.1:port (DefaultPort when empty) until ctx ends.
func Serve(ctx context.Context, port string, defs ...restate.ServiceDefinition) error {
	if port == "" {
		port = DefaultPort
	}
	srv := server.NewRestate().WithLogger(slog.NewTextHandler(os.Stderr, &slog.HandlerOptions{Level: slog.LevelWarn}), true)
	for _, d := range defs {
		srv = srv.Bind(d)
	}
	addr := "127.0.0.1:" + port
	if err := srv.Start(ctx, addr); err != nil {
		return fmt.Errorf("listen on %s: %w", addr, err)
	}
	return nil
}
