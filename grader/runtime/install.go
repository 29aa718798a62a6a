package runtime

import (
	"bytes"
	"context"
	"fmt"
	"idempotency/grader/submission"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	goruntime "runtime"
	"time"
)

const npmPackage = "@restatedev/restate-server@" + Version

// BinaryPath returns the path of the native restate-server binary, installing it into the
// per-user cache with npm on first use (progress messages to w).
//
// $RESTATE_SERVER_BIN, when set, wins: it lets a machine without npm use a binary from elsewhere.
func BinaryPath(ctx context.Context, w io.Writer) (string, error) {
	if w == nil {
		w = io.Discard
	}
	if p := os.Getenv("RESTATE_SERVER_BIN"); p != "" {
		if err := checkExecutable(p); err != nil {
			return "", fmt.Errorf("RESTATE_SERVER_BIN: %w", err)
		}
		return p, nil
	}
	dir, err := installDir()
	if err != nil {
		return "", err
	}
	rel, err := binaryRelPath()
	if err != nil {
		return "", err
	}
	bin := filepath.Join(dir, rel)
	if checkExecutable(bin) == nil {
		return bin, nil
	}
	if err := install(ctx, dir, rel, w); err != nil {
		return "", err
	}
	return bin, nil
}

// installDir is versioned so that a grader built for another release never runs this one.
func installDir() (string, error) {
	root, err := submission.CacheRoot()
	if err != nil {
		return "", err
	}
	return filepath.Join(root, "restate-server-"+Version), nil
}

// binaryRelPath is where npm puts the real binary. The package's own bin entry is a Node
// wrapper that spawns the binary as a child; the grader must signal the server itself.
func binaryRelPath() (string, error) {
	arch := map[string]string{"amd64": "x64", "arm64": "arm64"}[goruntime.GOARCH]
	if (goruntime.GOOS != "linux" && goruntime.GOOS != "darwin") || arch == "" {
		return "", fmt.Errorf("no restate-server %s build for %s/%s: run one yourself and use the external runtime",
			Version, goruntime.GOOS, goruntime.GOARCH)
	}
	pkg := "restate-server-" + goruntime.GOOS + "-" + arch
	return filepath.Join("node_modules", "@restatedev", pkg, "bin", "restate-server"), nil
}

func checkExecutable(path string) error {
	fi, err := os.Stat(path)
	if err != nil {
		return err
	}
	if !fi.Mode().IsRegular() || fi.Mode().Perm()&0o111 == 0 {
		return fmt.Errorf("%s is not an executable file", path)
	}
	return nil
}

// install runs npm into a temp dir beside dir and renames it into place, under a lock, so
// that concurrent graders neither install twice nor run a half-written binary.
func install(ctx context.Context, dir, rel string, w io.Writer) error {
	parent := filepath.Dir(dir)
	if err := os.MkdirAll(parent, 0o755); err != nil {
		return fmt.Errorf("create cache dir: %w", err)
	}
	unlock, err := lockFile(ctx, dir+".lock", w)
	if err != nil {
		return err
	}
	defer unlock()
	// Another grader may have finished the install while we waited for the lock.
	if checkExecutable(filepath.Join(dir, rel)) == nil {
		return nil
	}
	// Under the lock, any temp dir is the leftover of an install that was interrupted.
	if stale, _ := filepath.Glob(dir + ".tmp-*"); len(stale) > 0 {
		for _, s := range stale {
			os.RemoveAll(s)
		}
	}
	tmp, err := os.MkdirTemp(parent, filepath.Base(dir)+".tmp-")
	if err != nil {
		return fmt.Errorf("create install dir: %w", err)
	}
	defer os.RemoveAll(tmp) // a no-op once renamed

	npm, err := exec.LookPath("npm")
	if err != nil {
		return fmt.Errorf("install restate-server: npm not found (install Node.js, or set RESTATE_SERVER_BIN to a restate-server %s binary): %w", Version, err)
	}
	fmt.Fprintf(w, "restate-server: installing %s with npm into %s (first run only, ~225 MB)\n", npmPackage, dir)
	began := time.Now()
	var out bytes.Buffer
	cmd := exec.CommandContext(ctx, npm, "install", "--no-audit", "--no-fund", "--prefix", tmp, npmPackage)
	cmd.Stdout, cmd.Stderr = &out, &out
	if err := cmd.Run(); err != nil {
		return fmt.Errorf("npm install %s: %w\n%s", npmPackage, err, tail(out.String(), 20))
	}
	if err := checkExecutable(filepath.Join(tmp, rel)); err != nil {
		return fmt.Errorf("npm install %s did not provide the binary: %w\n%s", npmPackage, err, tail(out.String(), 20))
	}
	// A dir without the binary is a broken install from an older layout: replace it.
	if err := os.RemoveAll(dir); err != nil {
		return fmt.Errorf("remove broken install: %w", err)
	}
	if err := os.Rename(tmp, dir); err != nil {
		return fmt.Errorf("move install into place: %w", err)
	}
	fmt.Fprintf(w, "restate-server: installed in %s\n", time.Since(began).Round(100*time.Millisecond))
	return nil
}

// lockFile takes an exclusive flock on path, polling so that ctx can cancel the wait.
func lockFile(ctx context.Context, path string, w io.Writer) (unlock func(), err error) {
	f, err := os.OpenFile(path, os.O_CREATE|os.O_RDWR, 0o644)
	if err != nil {
		return nil, fmt.Errorf("open install lock: %w", err)
	}
	tick := time.NewTicker(100 * time.Millisecond)
	defer tick.Stop()
	for waited := false; ; waited = true {
		locked, err := tryLock(f)
		if err != nil {
			f.Close()
			return nil, fmt.Errorf("lock %s: %w", path, err)
		}
		if locked {
			return func() { f.Close() }, nil // closing releases the lock
		}
		if !waited {
			fmt.Fprintln(w, "restate-server: another grader is installing it; waiting")
		}
		select {
		case <-ctx.Done():
			f.Close()
			return nil, fmt.Errorf("wait for install lock: %w", ctx.Err())
		case <-tick.C:
		}
	}
}
