// Command grade grades the idempotency exercises against a real restate-server.
//
//	go run ./cmd/grade ex1              grade your exercises/ex1
//	go run ./cmd/grade ex1 --solution   grade the reference solution
//	go run ./cmd/grade list             list exercises and criteria
package main

import (
	"context"
	"errors"
	"fmt"
	"os"
	"os/signal"
	"syscall"
)

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	err := run(ctx, os.Args[1:], os.Stdout, os.Stderr)
	stop()
	os.Exit(exitCode(err, os.Stderr))
}

// exitCode maps run's error to the process status, printing it when it has a message.
func exitCode(err error, stderr *os.File) int {
	if err == nil {
		return 0
	}
	var ee *exitError
	if errors.As(err, &ee) {
		if ee.msg != "" {
			fmt.Fprintln(stderr, ee.msg)
		}
		return ee.code
	}
	fmt.Fprintln(stderr, "grade:", err)
	return 3
}
