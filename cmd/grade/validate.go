package main

import (
	"os"
	"path/filepath"
	"slices"
	"strings"

	"idempotency/grader/overlay"
	rt "idempotency/grader/runtime"
	"idempotency/grader/submission"
)

// Usage checks: everything a command line can get wrong is found here, before anything
// is built or started, and reported in one line with exit status 2.

// checkRuntime turns --runtime into a kind the command can use.
func checkRuntime(cmd, flag string, allowed ...rt.Kind) (rt.Kind, error) {
	kind, err := rt.ParseKind(flag)
	if err == nil && slices.Contains(allowed, kind) {
		return kind, nil
	}
	if kind == rt.External {
		return "", usageErr(cmd, "--runtime external is not for this command: it starts its own restate-server (use %s)", orList(allowed))
	}
	return "", usageErr(cmd, "unknown runtime %q (want %s)", flag, orList(allowed))
}

func orList(kinds []rt.Kind) string {
	xs := make([]string, len(kinds))
	for i, k := range kinds {
		xs[i] = string(k)
	}
	if len(xs) < 2 {
		return strings.Join(xs, "")
	}
	return strings.Join(xs[:len(xs)-1], ", ") + " or " + xs[len(xs)-1]
}

// checkImage refuses --image where no container runs.
func checkImage(cmd string, kind rt.Kind, image string) error {
	if image != "" && kind != rt.Auto && kind != rt.Container {
		return usageErr(cmd, "--image is for --runtime container (or auto), not %s", kind)
	}
	return nil
}

// checkDir checks --dir: a folder holding a Go package (its *.go files), anywhere, or,
// when overlays are accepted, a .txtar overlay archive applied to the reference solution.
func checkDir(cmd, dir string, overlays bool) error {
	info, err := os.Stat(dir)
	if err != nil {
		if os.IsNotExist(err) {
			return usageErr(cmd, "--dir %s: no such file or directory", dir)
		}
		return usageErr(cmd, "--dir %s: %v", dir, err)
	}
	if !info.IsDir() {
		if overlays && overlay.Is(dir) {
			return nil
		}
		if overlay.Is(dir) {
			return usageErr(cmd, "--dir %s is an overlay archive; this command needs a folder", dir)
		}
		return usageErr(cmd, "--dir %s is a file; name the exercise's folder", dir)
	}
	entries, err := os.ReadDir(dir)
	if err != nil {
		return usageErr(cmd, "--dir %s: %v", dir, err)
	}
	if len(entries) == 0 {
		return usageErr(cmd, "--dir %s is empty", dir)
	}
	for _, e := range entries {
		if n := e.Name(); strings.HasSuffix(n, ".go") && !strings.HasSuffix(n, "_test.go") && !e.IsDir() {
			return nil
		}
	}
	return usageErr(cmd, "--dir %s holds no Go package (no .go files other than tests)", dir)
}

// moduleRoot finds the module the grader runs in, as a usage error when it is run
// from elsewhere.
func moduleRoot(cmd string) (string, error) {
	root, err := submission.ModuleRoot(".")
	if err != nil {
		return "", usageErr(cmd, "%v", err)
	}
	return root, nil
}

// outside says whether dir (a folder) is outside the module at root, so that it must be
// copied in to be graded.
func outside(root, dir string) bool {
	abs, err := filepath.Abs(dir)
	if err != nil {
		return true
	}
	if r, err := filepath.EvalSymlinks(abs); err == nil {
		abs = r
	}
	if r, err := filepath.EvalSymlinks(root); err == nil {
		root = r
	}
	rel, err := filepath.Rel(root, abs)
	return err != nil || rel == ".." || strings.HasPrefix(rel, ".."+string(filepath.Separator))
}

// absPath is dir as an absolute path, for reports and replay commands.
func absPath(dir string) string {
	if abs, err := filepath.Abs(dir); err == nil {
		return abs
	}
	return dir
}

// relTo is path relative to root when it is inside it.
func relTo(root, path string) string {
	if r, err := filepath.Rel(root, path); err == nil && !strings.HasPrefix(r, "..") {
		return r
	}
	return path
}
