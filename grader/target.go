package grader

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"strings"

	"idempotency/grader/overlay"
	"idempotency/grader/submission"
)

// target is what one run builds: a package of the module, possibly with an overlay
// of changed files on top (a broken copy or a mutant of the reference solution).
type target struct {
	root    string           // module root
	dir     string           // the package built, relative to root ("solutions/ex1")
	overlay *overlay.Archive // nil: the package as it is
	label   string           // what the report names: dir, or the overlay's path
}

// resolve finds the module root and the package to grade. Options.Dir may name a
// package directory or an overlay archive (NAME.txtar), which is applied on top of the
// exercise's reference solution; Options.Overlay applies one to Dir.
func resolve(ex Exercise, opts Options) (target, error) {
	root := opts.Root
	if root == "" {
		wd, err := os.Getwd()
		if err != nil {
			return target{}, err
		}
		if root, err = submission.ModuleRoot(wd); err != nil {
			return target{}, err
		}
	}
	t := target{root: root, overlay: opts.Overlay}
	dir := opts.Dir
	if overlay.Is(dir) {
		a, err := overlay.Load(dir)
		if err != nil {
			return target{}, err
		}
		t.overlay, t.label = a, rel(root, dir)
		dir = filepath.Join(root, ex.Solution)
	}
	if dir == "" {
		dir = filepath.Join(root, ex.Stub)
	}
	abs, err := filepath.Abs(dir)
	if err != nil {
		return target{}, err
	}
	r, err := filepath.Rel(root, abs)
	if err != nil || strings.HasPrefix(r, "..") {
		return target{}, fmt.Errorf("%s is outside the module at %s", dir, root)
	}
	t.dir = filepath.ToSlash(r)
	if t.label == "" {
		t.label = t.dir
	}
	return t, nil
}

func rel(root, path string) string {
	abs, err := filepath.Abs(path)
	if err != nil {
		return path
	}
	if r, err := filepath.Rel(root, abs); err == nil && !strings.HasPrefix(r, "..") {
		return filepath.ToSlash(r)
	}
	return path
}

// build compiles the target into tmp.
func (t target) build(ctx context.Context, tmp string) (string, error) {
	ov := ""
	if t.overlay != nil {
		var err error
		if ov, err = t.overlay.WriteJSON(filepath.Join(t.root, t.dir), tmp); err != nil {
			return "", err
		}
	}
	return submission.Build(ctx, t.root, filepath.Join(t.root, t.dir), tmp, ov)
}
