package main

import (
	"go/ast"
	"go/parser"
	"go/token"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"sync/atomic"
	"testing"

	"idempotency/grader/submission"

	"golang.org/x/tools/go/packages"
)

// The grader builds for macOS and Windows too: on macOS it grades with the native binary,
// on Windows it runs far enough to send the learner to WSL2 (README, Platforms).
//
// The check type-checks the grader and every package it imports, from source, as the
// compiler would see them on each platform (build tags, GOOS files, CGO off). That is what
// breaks when a file for one platform misses a function another defines. It does not
// compile code for the other platforms: with an empty build cache, as in CI, `go build`
// for Windows alone took 143 CPU-seconds on this machine. Packages outside this module are
// checked without their function bodies (their declarations, types and signatures are
// what this module's code can break on): both platforms took 13 CPU-s and 1 GB with
// bodies, 8 CPU-s and 0.5 GB without.
func TestCrossBuild(t *testing.T) {
	if testing.Short() {
		t.Skip("skipped in -short: type-checks every dependency for two more platforms")
	}
	wd, err := os.Getwd()
	if err != nil {
		t.Fatal(err)
	}
	root, err := submission.ModuleRoot(wd)
	if err != nil {
		t.Fatal(err)
	}
	ours := root + string(filepath.Separator)
	// One platform at a time: each load holds the syntax trees and types of every package.
	for _, target := range [][2]string{{"darwin", "arm64"}, {"windows", "amd64"}} {
		t.Run(target[0], func(t *testing.T) {
			var full atomic.Int64 // files of this module, checked with their bodies
			cfg := &packages.Config{
				Mode: packages.LoadAllSyntax,
				Dir:  wd,
				Env:  append(os.Environ(), "GOOS="+target[0], "GOARCH="+target[1], "CGO_ENABLED=0"),
				ParseFile: func(fset *token.FileSet, name string, src []byte) (*ast.File, error) {
					f, err := parser.ParseFile(fset, name, src, parser.AllErrors|parser.ParseComments)
					if strings.HasPrefix(name, ours) {
						full.Add(1)
					} else if f != nil {
						for _, d := range f.Decls {
							if fd, ok := d.(*ast.FuncDecl); ok && fd.Body != nil {
								fd.Body = panicBody(fd.Body.Lbrace)
							}
						}
					}
					return f, err
				},
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
					// Without its bodies, a package outside the module imports what it
					// no longer uses: not an error of the platform.
					if e.Kind == packages.TypeError && !strings.HasPrefix(e.Pos, ours) && unusedImport.MatchString(e.Msg) {
						continue
					}
					errs = append(errs, e.Error())
				}
			})
			if len(errs) > 0 {
				t.Errorf("GOOS=%s GOARCH=%s: the grader does not build:\n%s", target[0], target[1], strings.Join(errs, "\n"))
			}
			// A load that found nothing would pass without checking anything, and one that
			// took this module for a dependency would skip the code the check is about.
			if loaded < 100 {
				t.Errorf("GOOS=%s GOARCH=%s: only %d packages loaded; expected the grader and its dependencies", target[0], target[1], loaded)
			}
			if full.Load() < 50 {
				t.Errorf("GOOS=%s GOARCH=%s: only %d files under %s were checked with their bodies; expected the grader's", target[0], target[1], full.Load(), root)
			}
		})
	}
}

// unusedImport is go/types' message for an import no code uses any more.
var unusedImport = regexp.MustCompile(`imported (as \w+ )?and not used`)

// panicBody is `{ panic("") }`: a body that needs no return statement, in place of one
// whose statements the check skips.
func panicBody(pos token.Pos) *ast.BlockStmt {
	call := &ast.CallExpr{Fun: &ast.Ident{NamePos: pos, Name: "panic"}, Args: []ast.Expr{&ast.BasicLit{ValuePos: pos, Kind: token.STRING, Value: `""`}}}
	return &ast.BlockStmt{Lbrace: pos, List: []ast.Stmt{&ast.ExprStmt{X: call}}, Rbrace: pos}
}
