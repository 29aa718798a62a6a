package submission

import (
	"context"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"sync"
	"sync/atomic"

	"github.com/tetratelabs/wazero"
)

// A service that runs as nobody (a batch graded as root, Limits.Unprivileged) cannot
// read the WASM cache in the grader's home, so every start of it compiled the SDK's
// shared core again (0.4-0.6 CPU-s, two or three times a grading). It must not share a
// folder it can write either: the cache holds native code that the next service would
// run. So the grader compiles the core into its own cache itself (once), and gives each
// such service a folder of its own, owned by the grader and read-only to the service,
// holding hard links to (or copies of) the cached files; IDEM_WASM_DIR names it.

// sharedCore is the path of the SDK's shared core (.wasm) that the last patched SDK
// copy was made from.
var sharedCore atomic.Value

// compileOnce compiles the shared core into the grader's WASM cache once per process.
var compileOnce sync.Once

// shareWASMCache makes dir/wasm, a read-only copy of the grader's WASM cache for a
// service that runs as another user, and returns the environment entry that points the
// service at it. ok is false when there is nothing to share: the service then compiles
// the core itself, as the SDK does.
func shareWASMCache(dir string) (env string, ok bool) {
	src, _ := sharedCore.Load().(string)
	if src == "" {
		return "", false
	}
	cacheRoot, err := CacheRoot()
	if err != nil {
		return "", false
	}
	master := filepath.Join(cacheRoot, "wasm")
	compileOnce.Do(func() { _ = compileCore(src, master) })
	dst := filepath.Join(dir, "wasm")
	if err := linkTree(master, dst); err != nil {
		_ = os.RemoveAll(dst)
		return "", false
	}
	return "IDEM_WASM_DIR=" + dst, true
}

// compileCore compiles the shared core at src with wazero's cache in dir, as the
// service's runtime does (same wazero, same configuration, so the same cache entry).
func compileCore(src, dir string) error {
	core, err := os.ReadFile(src)
	if err != nil {
		return err
	}
	ctx := context.Background()
	cache, err := wazero.NewCompilationCacheWithDir(dir)
	if err != nil {
		return err
	}
	defer cache.Close(ctx)
	r := wazero.NewRuntimeWithConfig(ctx, wazero.NewRuntimeConfig().WithCompilationCache(cache))
	defer r.Close(ctx)
	if _, err := r.CompileModule(ctx, core); err != nil {
		return fmt.Errorf("compile the SDK's shared core: %w", err)
	}
	return nil
}

// linkTree mirrors the files of from into to (folders 0755, owned by the grader),
// hard-linking each file, or copying it when from and to are on different file systems.
func linkTree(from, to string) error {
	found := false
	err := filepath.WalkDir(from, func(path string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		rel, err := filepath.Rel(from, path)
		if err != nil {
			return err
		}
		target := filepath.Join(to, rel)
		if d.IsDir() {
			return os.MkdirAll(target, 0o755)
		}
		if filepath.Ext(path) == ".tmp" {
			return nil // a write in progress
		}
		found = true
		if _, err := os.Lstat(target); err == nil {
			return nil // shared at an earlier start of the service
		}
		// wazero writes its entries 0600; the service must read them through the link.
		info, err := d.Info()
		if err != nil {
			return err
		}
		if info.Mode().Perm() != 0o644 {
			if err := os.Chmod(path, 0o644); err != nil {
				return err
			}
		}
		if err := os.Link(path, target); err == nil {
			return nil
		}
		return copyFile(path, target)
	})
	if err == nil && !found {
		err = errors.New("the WASM cache is empty")
	}
	return err
}
