package main

import (
	"context"
	"fmt"
	"io"
	"os"
	goruntime "runtime"

	"idempotency/grader/runtime"
	"idempotency/grader/submission"
)

// beginWork runs once a command's arguments are checked and before it builds or starts
// anything. main sets it to startWork; tests that call run in-process keep this no-op,
// so that they do not change their own process's environment.
var beginWork = func(context.Context, io.Writer) (done func()) { return func() {} }

// startWork sweeps what graders that were killed left behind (processes, temp dirs,
// staged copies, containers), then gives this process its own temp dir, named after it,
// which every temp dir it and its children make goes into: a build, the server's data, a
// service's work dir. done removes it. Whatever kills this grader, the next one's sweep
// finds it by its name.
func startWork(ctx context.Context, stderr io.Writer) (done func()) {
	root, _ := submission.ModuleRoot(".")
	left := submission.Sweep("", root)
	containers, err := runtime.SweepContainers(ctx)
	if err != nil {
		fmt.Fprintf(stderr, "grade: %v\n", err)
	}
	if !left.Empty() || containers > 0 {
		fmt.Fprintf(stderr, "grade: removed what a grader that was killed had left: %s\n", sweptSummary(left, containers))
	}
	dir, err := submission.OwnTempDir("")
	if err != nil {
		fmt.Fprintf(stderr, "grade: %v (temp files go to the system temp dir)\n", err)
		return func() {}
	}
	restore := setenv(map[string]string{submission.OwnerEnv: submission.Self().String(), tempVar(): dir})
	return func() {
		restore()
		os.RemoveAll(dir)
	}
}

// sweptSummary is "1 process, 2 temp dirs, 1 container".
func sweptSummary(l submission.Leftovers, containers int) string {
	s := l.String()
	if containers > 0 {
		if s != "" {
			s += ", "
		}
		if containers == 1 {
			s += "1 container"
		} else {
			s += fmt.Sprintf("%d containers", containers)
		}
	}
	return s
}

// tempVar is the variable os.TempDir reads.
func tempVar() string {
	if goruntime.GOOS == "windows" {
		return "TMP"
	}
	return "TMPDIR"
}

// setenv sets the variables and returns a function that puts the old values back.
func setenv(vars map[string]string) func() {
	old := map[string]*string{}
	for k, v := range vars {
		if was, ok := os.LookupEnv(k); ok {
			old[k] = &was
		} else {
			old[k] = nil
		}
		os.Setenv(k, v)
	}
	return func() {
		for k, v := range old {
			if v == nil {
				os.Unsetenv(k)
			} else {
				os.Setenv(k, *v)
			}
		}
	}
}
