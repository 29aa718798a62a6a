package main

import (
	"os"
	"strings"
	"testing"

	"golang.org/x/tools/go/packages"
)

// The grader builds for macOS and Windows too: on macOS it grades with the native binary,
// on Windows it runs far enough to send the learner to WSL2 (README, Platforms).
//
// The check type-checks the grader and every package it imports, from source, as the
// compiler would see them on each platform (build tags, GOOS files, CGO off). That is what
// breaks when a file for one platform misses a function another defines. It does not
// compile code for the other platforms: with an empty build cache, as in CI, `go build`
// for Windows alone took 143 CPU-seconds on this machine; this test, both platforms, ~17.
func TestCrossBuild(t *testing.T) {
	if testing.Short() {
		t.Skip("skipped in -short: type-checks every dependency for two more platforms")
	}
	wd, err := os.Getwd()
	if err != nil {
		t.Fatal(err)
	}
	// One platform at a time: each load holds ~0.9 GB of syntax trees and types.
	for _, target := range [][2]string{{"darwin", "arm64"}, {"windows", "amd64"}} {
		t.Run(target[0], func(t *testing.T) {
			cfg := &packages.Config{
				Mode: packages.LoadAllSyntax,
				Dir:  wd,
				Env:  append(os.Environ(), "GOOS="+target[0], "GOARCH="+target[1], "CGO_ENABLED=0"),
			}
			pkgs, err := packages.Load(cfg, "idempotency/cmd/grade")
			if err != nil {
				t.Fatalf("GOOS=%s GOARCH=%s: load idempotency/cmd/grade: %v", target[0], target[1], err)
			}
			var errs []string
			loaded := 0
			packages.Visit(pkgs, nil, func(p *packages.Package) {
				loaded++
				for _, e := range p.Errors {
					errs = append(errs, e.Error())
				}
			})
			if len(errs) > 0 {
				t.Errorf("GOOS=%s GOARCH=%s: the grader does not build:\n%s", target[0], target[1], strings.Join(errs, "\n"))
			}
			// A load that found nothing would pass without checking anything.
			if loaded < 100 {
				t.Errorf("GOOS=%s GOARCH=%s: only %d packages loaded; expected the grader and its dependencies", target[0], target[1], loaded)
			}
		})
	}
}
