package submission

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"time"
)

// CompileError is a submission that does not build; Output is the compiler's.
type CompileError struct {
	Package string
	Output  string
}

func (e *CompileError) Error() string {
	return fmt.Sprintf("%s does not compile:\n%s", e.Package, e.Output)
}

// ModuleRoot finds the directory holding go.mod, starting at dir and walking up.
func ModuleRoot(dir string) (string, error) {
	abs, err := filepath.Abs(dir)
	if err != nil {
		return "", err
	}
	for d := abs; ; d = filepath.Dir(d) {
		if _, err := os.Stat(filepath.Join(d, "go.mod")); err == nil {
			return d, nil
		}
		if filepath.Dir(d) == d {
			return "", fmt.Errorf("no go.mod above %s: run the grader inside the exercises module", abs)
		}
	}
}

// Build compiles the main package in pkgDir (inside the module at root) into outDir and
// returns the binary's path. overlay, when not empty, is a `go build -overlay` file that
// replaces some of the package's files (a broken copy or a mutant of a solution). A
// compile failure is a *CompileError. A binary built before from the same inputs is
// reused (cache.go). The SDK keeps its compiled WASM core between processes (sdkcache.go).
func Build(ctx context.Context, root, pkgDir, outDir, overlay string) (string, error) {
	rel, err := relPackage(root, pkgDir)
	if err != nil {
		return "", err
	}
	bin := filepath.Join(outDir, "service")
	// The binary lives for one grading: no symbol table and no DWARF (-s -w) links about
	// a third faster, and a panic's stack trace still names every function.
	flags := []string{"-ldflags=-s -w"}
	sdkFlag := sdkCacheFlag(ctx, root)
	if sdkFlag != "" {
		flags = append(flags, sdkFlag)
	}
	cache := cacheDir()
	key, keyed := "", false
	if cache != "" {
		key, keyed = buildKey(ctx, root, rel, flags, overlay)
		if keyed && fromCache(cache, key, bin) {
			return bin, nil
		}
	}
	err = goBuild(ctx, root, rel, bin, outDir, flags, overlay)
	var ce *CompileError
	if sdkFlag != "" && errors.As(err, &ce) && strings.Contains(ce.Output, sdkModFile(sdkFlag)) {
		// The learner's go.mod or go.sum is what fails, and the compiler names the
		// alternate go.mod: build as it is, so that the message names theirs.
		keyed = false
		err = goBuild(ctx, root, rel, bin, outDir, flags[:len(flags)-1], overlay)
	}
	if err != nil {
		return "", err
	}
	if keyed {
		toCache(cache, key, bin)
	}
	return bin, nil
}

// goBuild runs `go build flags -o bin [-overlay overlay] rel` in root. A compile failure
// is a *CompileError.
func goBuild(ctx context.Context, root, rel, bin, outDir string, flags []string, overlay string) error {
	args := append([]string{"build"}, flags...)
	args = append(args, "-o", bin)
	if overlay != "" {
		args = append(args, "-overlay", overlay)
	}
	cmd := exec.CommandContext(ctx, "go", append(args, rel)...)
	cmd.Dir = root
	// go build's scratch space goes under outDir, which the caller removes: a build
	// interrupted by Ctrl-C leaves nothing in the system temp dir.
	cmd.Env = append(os.Environ(), "GOTMPDIR="+outDir)
	cmd.Cancel = func() error { return cmd.Process.Signal(os.Interrupt) }
	cmd.WaitDelay = 5 * time.Second
	var out bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &out
	if err := cmd.Run(); err != nil {
		var exit *exec.ExitError
		if errors.As(err, &exit) && ctx.Err() == nil {
			return &CompileError{Package: rel, Output: strings.TrimSpace(out.String())}
		}
		return fmt.Errorf("go build %s: %w: %s", rel, err, out.String())
	}
	return nil
}

// relPackage turns pkgDir into a "./path" package pattern relative to the module root.
func relPackage(root, pkgDir string) (string, error) {
	abs, err := filepath.Abs(pkgDir)
	if err != nil {
		return "", err
	}
	rel, err := filepath.Rel(root, abs)
	if err != nil || rel == ".." || strings.HasPrefix(rel, ".."+string(filepath.Separator)) {
		return "", fmt.Errorf("%s is outside the module at %s: --dir must name a package inside it", pkgDir, root)
	}
	if _, err := os.Stat(abs); err != nil {
		return "", fmt.Errorf("submission directory: %w", err)
	}
	return "./" + filepath.ToSlash(rel), nil
}
