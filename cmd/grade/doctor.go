package main

import (
	"context"
	"fmt"
	"io"
	"strconv"
	"strings"

	"idempotency/grader/learner/doctor"
	rt "idempotency/grader/runtime"
)

// doctorCmd is `grade doctor`.
func doctorCmd(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	fs := newFlagSet("doctor")
	ports := fs.String("ports", "", "comma-separated loopback ports to check (default 8080,9070,5122,9080)")
	image := fs.String("image", "", "the restate image --runtime auto would use (default "+rt.DefaultImage+")")
	positional, err := parseFlags("doctor", fs, args, stdout)
	if err != nil {
		return err
	}
	if len(positional) > 0 {
		return usageErr("doctor", "takes no arguments, only flags")
	}
	var cfg doctor.Config
	if *ports != "" {
		cfg.Ports = []int{}
		for _, p := range strings.Split(*ports, ",") {
			n, err := strconv.Atoi(strings.TrimSpace(p))
			if err != nil || n <= 0 || n > 65535 {
				return usageErr("doctor", "%q is not a port", p)
			}
			cfg.Ports = append(cfg.Ports, n)
		}
	}
	cfg.Image = *image
	defer beginWork(ctx, stderr)()
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
