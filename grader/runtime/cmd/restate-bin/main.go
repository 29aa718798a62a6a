// Command restate-bin prints the path of the native restate-server binary, installing it
// into the per-user cache first if needed. CI uses it to build a local container image.
package main

import (
	"context"
	"fmt"
	"io"
	"os"
	"os/signal"

	"idempotency/grader/runtime"
)

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt)
	defer stop()
	if err := run(ctx, os.Stdout, os.Stderr); err != nil {
		fmt.Fprintln(os.Stderr, "restate-bin:", err)
		os.Exit(1)
	}
}

// run prints only the path on stdout so scripts can capture it; progress goes to stderr.
func run(ctx context.Context, stdout, stderr io.Writer) error {
	path, err := runtime.BinaryPath(ctx, stderr)
	if err != nil {
		return err
	}
	_, err = fmt.Fprintln(stdout, path)
	return err
}
