package main

import (
	"context"
	"flag"
	"fmt"
	"io"
	"strconv"
	"strings"

	"idempotency/grader"
	"idempotency/grader/doctor"
)

const doctorUsage = `usage: go run ./cmd/grade doctor [--ports 8080,9070,5122,9080]

Checks Go, Node.js and npm, the cached restate-server, Docker and the restate image, and
loopback ports, and says how to fix each problem. Exit status 1 when there is one.

flags:
`

// doctorCmd is `grade doctor`.
func doctorCmd(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	fs := flag.NewFlagSet("doctor", flag.ContinueOnError)
	fs.SetOutput(stderr)
	fs.Usage = func() { fmt.Fprint(stderr, doctorUsage); fs.PrintDefaults() }
	ports := fs.String("ports", "", "comma-separated loopback ports to check (default 8080,9070,5122,9080)")
	if err := fs.Parse(args); err != nil {
		if err == flag.ErrHelp {
			return &exitError{code: 0}
		}
		return &exitError{code: grader.ExitUsage}
	}
	var cfg doctor.Config
	if *ports != "" {
		cfg.Ports = []int{}
		for _, p := range strings.Split(*ports, ",") {
			n, err := strconv.Atoi(strings.TrimSpace(p))
			if err != nil || n <= 0 || n > 65535 {
				return &exitError{code: grader.ExitUsage, msg: fmt.Sprintf("grade doctor: %q is not a port", p)}
			}
			cfg.Ports = append(cfg.Ports, n)
		}
	}
	fmt.Fprintln(stdout, "Checking this machine for the grader ...")
	found := doctor.Check(ctx, cfg)
	if err := doctor.Text(stdout, found); err != nil {
		return err
	}
	if doctor.Problems(found) > 0 {
		return &exitError{code: 1}
	}
	return nil
}
