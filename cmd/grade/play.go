package main

import (
	"context"
	"io"

	"idempotency/grader/learner/play"
)

// playCmd is `grade play ex1`.
func playCmd(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	a, err := parseSessionArgs("play", args, stdout, nil)
	if err != nil {
		return err
	}
	root, err := moduleRoot("play")
	if err != nil {
		return err
	}
	s, err := a.session(root, stderr)
	if err != nil {
		return err
	}
	defer beginWork(ctx, stderr)()
	opts := s.opts
	if s.copy != nil {
		staged, cleanup, err := s.copy()
		if err != nil {
			return &exitError{code: 3, msg: "grade play: " + err.Error()}
		}
		defer cleanup()
		opts.Dir = staged
	}
	if err := play.Run(ctx, a.ex, opts, stdout); err != nil {
		return &exitError{code: 3, msg: "grade play: " + err.Error()}
	}
	return nil
}
