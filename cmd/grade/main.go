// Command grade grades the idempotency exercises against a real restate-server.
//
//	go run ./cmd/grade help             every command, grouped
//	go run ./cmd/grade ex1              grade your exercises/ex1
//	go run ./cmd/grade ex1 --solution   grade the reference solution
//	go run ./cmd/grade watch ex1        grade again on every save
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
	// SIGHUP is a closed terminal (during watch, say): it stops the grader as Ctrl-C does,
	// so that everything it started is stopped and removed.
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM, syscall.SIGHUP)
	beginWork = startWork
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
