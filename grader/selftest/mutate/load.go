package mutate

import (
	"bytes"
	"context"
	"fmt"
	"go/ast"
	"go/importer"
	"go/parser"
	"go/token"
	"go/types"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"sort"
	"strings"
)

// Package is one parsed and type-checked package: the code the operators mutate.
type Package struct {
	Fset  *token.FileSet
	Files []*File // sorted by name
	Info  *types.Info
	imp   types.Importer
}

// File is one source file of a Package.
type File struct {
	Name string // bare file name
	Src  []byte
	AST  *ast.File
}

// extraImports are the packages a mutant may add to a file (a math/rand source, a clock
// value, fmt.Errorf): their export data is loaded with the package's own imports.
var extraImports = []string{"fmt", "time", "math/rand/v2", "github.com/google/uuid"}

// LoadDir loads the non-test .go files of dir, a package of the module at root.
func LoadDir(ctx context.Context, root, dir string) (*Package, error) {
	paths, err := filepath.Glob(filepath.Join(dir, "*.go"))
	if err != nil {
		return nil, err
	}
	srcs := map[string][]byte{}
	for _, p := range paths {
		if strings.HasSuffix(p, "_test.go") {
			continue
		}
		data, err := os.ReadFile(p)
		if err != nil {
			return nil, err
		}
		srcs[filepath.Base(p)] = data
	}
	if len(srcs) == 0 {
		return nil, fmt.Errorf("no .go files in %s", dir)
	}
	return Load(ctx, root, srcs)
}

// Load parses and type-checks srcs (file name -> source) as one package whose imports
// resolve in the module at root, through the export data `go list -export` builds.
func Load(ctx context.Context, root string, srcs map[string][]byte) (*Package, error) {
	p := &Package{Fset: token.NewFileSet()}
	imports := map[string]bool{}
	for _, path := range extraImports {
		imports[path] = true
	}
	names := make([]string, 0, len(srcs))
	for name := range srcs {
		names = append(names, name)
	}
	sort.Strings(names)
	for _, name := range names {
		f, err := parser.ParseFile(p.Fset, name, srcs[name], parser.ParseComments|parser.SkipObjectResolution)
		if err != nil {
			return nil, fmt.Errorf("parse %s: %w", name, err)
		}
		for _, spec := range f.Imports {
			imports[strings.Trim(spec.Path.Value, `"`)] = true
		}
		p.Files = append(p.Files, &File{Name: name, Src: srcs[name], AST: f})
	}
	exports, err := exportData(ctx, root, imports)
	if err != nil {
		return nil, err
	}
	p.imp = importer.ForCompiler(p.Fset, "gc", func(path string) (io.ReadCloser, error) {
		file, ok := exports[path]
		if !ok || file == "" {
			return nil, fmt.Errorf("no export data for %q", path)
		}
		return os.Open(file)
	})
	p.Info = &types.Info{
		Types: map[ast.Expr]types.TypeAndValue{},
		Defs:  map[*ast.Ident]types.Object{},
		Uses:  map[*ast.Ident]types.Object{},
	}
	asts := make([]*ast.File, len(p.Files))
	for i, f := range p.Files {
		asts[i] = f.AST
	}
	conf := types.Config{Importer: p.imp}
	if _, err := conf.Check("main", p.Fset, asts, p.Info); err != nil {
		return nil, fmt.Errorf("type-check the package: %w", err)
	}
	return p, nil
}

// exportData maps every package imports need (their dependencies too) to its export
// data file, as the go command builds it in its cache.
func exportData(ctx context.Context, root string, imports map[string]bool) (map[string]string, error) {
	args := []string{"list", "-export", "-deps", "-f", "{{.ImportPath}}\t{{.Export}}"}
	for path := range imports {
		args = append(args, path)
	}
	cmd := exec.CommandContext(ctx, "go", args...)
	cmd.Dir = root
	var out, errOut bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &errOut
	if err := cmd.Run(); err != nil {
		return nil, fmt.Errorf("go list -export: %w: %s", err, strings.TrimSpace(errOut.String()))
	}
	exports := map[string]string{}
	for _, line := range strings.Split(out.String(), "\n") {
		if path, file, ok := strings.Cut(line, "\t"); ok {
			exports[path] = file
		}
	}
	return exports, nil
}

// Compiles reports whether the package type-checks with file name's source replaced by
// src: the fast stand-in for `go build`, which the grading does anyway.
func (p *Package) Compiles(name string, src []byte) error {
	if errs := p.check(name, src); len(errs) > 0 {
		return errs[0]
	}
	return nil
}

// check type-checks the package with name's source replaced by src and returns every
// error.
func (p *Package) check(name string, src []byte) []error {
	var asts []*ast.File
	for _, f := range p.Files {
		if f.Name != name {
			asts = append(asts, f.AST)
			continue
		}
		m, err := parser.ParseFile(p.Fset, name, src, parser.SkipObjectResolution)
		if err != nil {
			return []error{err}
		}
		asts = append(asts, m)
	}
	var errs []error
	conf := types.Config{Importer: p.imp, Error: func(err error) { errs = append(errs, err) }}
	conf.Check("main", p.Fset, asts, nil) //nolint:errcheck // every error is in errs
	return errs
}
