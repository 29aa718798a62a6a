package main

import (
	"context"
	"io"

	"idempotency/grader/play"
)

const playUsage = `usage: go run ./cmd/grade play <exercise> [flags]

Starts restate-server, the fixture world and your service, registers it, prints a curl
command for every handler, then shows the gateway calls your service makes as they
happen. Ctrl-C stops everything.

flags:
`

// playCmd is `grade play ex1`.
func playCmd(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	a, err := parseSessionArgs("play", playUsage, args, stderr, nil)
	if err != nil {
		return err
	}
	opts, err := a.options(stderr)
	if err != nil {
		return err
	}
	if err := play.Run(ctx, a.ex, opts, stdout); err != nil {
		return &exitError{code: 3, msg: "grade play: " + err.Error()}
	}
	return nil
}
