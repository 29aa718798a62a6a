package submission

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"io"
	"io/fs"
	"maps"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"time"
)

// The build cache skips `go build` when nothing that goes into the binary changed: a
// learner grading the same code again, the reference solution graded once per test, the
// untouched stub. The key is the content of every input, never a timestamp:
//
//   - the Go toolchain and target (go env GOVERSION GOOS GOARCH ... GOFLAGS),
//   - the build's arguments and the package's path in the module (it is in panic traces),
//   - every file of the package's folder, recursively, and every overlay replacement,
//   - every source file of the rest of the module under maxHashedFile (the packages the
//     submission imports live there: contract/, fixtures/), skipping .git and .grade
//     (the grader's own output, where batch copies learners' folders).
//
// A module-local dependency that embeds a file larger than maxHashedFile would be missed;
// the exercises' modules have none. IDEM_BUILD_CACHE=off turns the cache off.

const (
	cacheVersion  = "build-cache-v1"
	cacheEntries  = 32       // binaries kept, least recently used dropped first (~15 MB each)
	maxHashedFile = 1 << 20  // larger files outside the package are build outputs, not sources
	maxHashedTree = 64 << 20 // a module larger than this is not cached at all
)

// skippedDirs are never sources of a submission's binary.
var skippedDirs = map[string]bool{".git": true, ".grade": true, "node_modules": true}

// cacheDir is where built binaries are kept: $IDEM_BUILD_CACHE when it names a folder,
// else beside the restate-server download (CacheRoot). "" means off.
func cacheDir() string {
	switch v := os.Getenv("IDEM_BUILD_CACHE"); v {
	case "off", "0", "false":
		return ""
	case "":
	default:
		return v
	}
	root, err := CacheRoot()
	if err != nil {
		return ""
	}
	return filepath.Join(root, "builds")
}

// CacheRoot is the grader's folder in the user's cache: $XDG_CACHE_HOME, else ~/.cache,
// then idempotency-grader. The build cache and the restate-server download live there.
func CacheRoot() (string, error) {
	cache := os.Getenv("XDG_CACHE_HOME")
	if cache == "" {
		home, err := os.UserHomeDir()
		if err != nil {
			return "", fmt.Errorf("find the cache dir: %w", err)
		}
		cache = filepath.Join(home, ".cache")
	}
	return filepath.Join(cache, "idempotency-grader"), nil
}

// buildKey hashes every input of `go build args rel` in root (see the top of the file).
// ok is false when the module is too large to hash, or a file cannot be read.
func buildKey(ctx context.Context, root, rel string, args []string, overlay string) (key string, ok bool) {
	h := sha256.New()
	fmt.Fprintf(h, "%s\n%s\n%s\n", cacheVersion, rel, strings.Join(args, "\x00"))

	out, err := goEnv(ctx, root)
	if err != nil {
		return "", false
	}
	h.Write(out)

	pkg := filepath.Join(root, filepath.FromSlash(strings.TrimPrefix(rel, "./")))
	var total int64
	err = filepath.WalkDir(root, func(path string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		inPkg := path == pkg || strings.HasPrefix(path, pkg+string(filepath.Separator))
		if d.IsDir() {
			if path != root && skippedDirs[d.Name()] && !strings.HasPrefix(pkg, path+string(filepath.Separator)) {
				return filepath.SkipDir
			}
			return nil
		}
		if !d.Type().IsRegular() {
			return nil
		}
		info, err := d.Info()
		if err != nil {
			return err
		}
		if !inPkg && info.Size() > maxHashedFile {
			return nil
		}
		if total += info.Size(); total > maxHashedTree {
			return errTooLarge
		}
		r, _ := filepath.Rel(root, path)
		return hashFile(h, filepath.ToSlash(r), path)
	})
	if err != nil {
		return "", false
	}

	if overlay != "" {
		var ov struct{ Replace map[string]string }
		data, err := os.ReadFile(overlay)
		if err != nil || json.Unmarshal(data, &ov) != nil {
			return "", false
		}
		for _, target := range slices.Sorted(maps.Keys(ov.Replace)) {
			r, err := filepath.Rel(root, target)
			if err != nil {
				return "", false
			}
			if err := hashFile(h, "overlay:"+filepath.ToSlash(r), ov.Replace[target]); err != nil {
				return "", false
			}
		}
	}
	return hex.EncodeToString(h.Sum(nil)), true
}

// goEnvs memoizes goEnv per module root: the process's environment does not change, and
// a toolchain switch in go.mod changes the key through go.mod's content anyway.
var goEnvs sync.Map

// goEnv is what of `go env` decides a binary: toolchain, target, flags.
func goEnv(ctx context.Context, root string) ([]byte, error) {
	if out, ok := goEnvs.Load(root); ok {
		return out.([]byte), nil
	}
	env := exec.CommandContext(ctx, "go", "env", "GOVERSION", "GOOS", "GOARCH", "GOAMD64", "CGO_ENABLED", "GOFLAGS", "GOEXPERIMENT", "GOROOT")
	env.Dir = root
	out, err := env.Output()
	if err != nil {
		return nil, err
	}
	goEnvs.Store(root, out)
	return out, nil
}

var errTooLarge = fmt.Errorf("module too large to hash")

func hashFile(h io.Writer, name, path string) error {
	f, err := os.Open(path)
	if err != nil {
		return err
	}
	defer f.Close()
	fh := sha256.New()
	if _, err := io.Copy(fh, f); err != nil {
		return err
	}
	fmt.Fprintf(h, "%s %x\n", name, fh.Sum(nil))
	return nil
}

// fromCache copies the cached binary for key to bin and marks it used. It reports
// whether there was one. A copy, not a hard link: the submission runs from bin, and
// what it does to its own file must never reach the next grading.
func fromCache(dir, key, bin string) bool {
	cached := filepath.Join(dir, key)
	if err := copyFile(cached, bin); err != nil {
		os.Remove(bin)
		return false
	}
	now := time.Now()
	_ = os.Chtimes(cached, now, now)
	return true
}

// toCache keeps a copy of bin under key (written aside and renamed, so a concurrent
// reader never sees half a binary) and drops the least recently used beyond cacheEntries.
func toCache(dir, key, bin string) {
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return
	}
	tmp, err := os.CreateTemp(dir, ".new-")
	if err != nil {
		return
	}
	tmp.Close()
	if err := copyFile(bin, tmp.Name()); err != nil || os.Rename(tmp.Name(), filepath.Join(dir, key)) != nil {
		os.Remove(tmp.Name())
		return
	}
	prune(dir)
}

func prune(dir string) {
	entries, err := os.ReadDir(dir)
	if err != nil {
		return
	}
	type entry struct {
		name string
		used time.Time
	}
	var es []entry
	for _, e := range entries {
		if strings.HasPrefix(e.Name(), ".") {
			// A copy left by a grader that was killed mid-write.
			if info, err := e.Info(); err == nil && time.Since(info.ModTime()) > time.Hour {
				os.Remove(filepath.Join(dir, e.Name()))
			}
			continue
		}
		if info, err := e.Info(); err == nil {
			es = append(es, entry{e.Name(), info.ModTime()})
		}
	}
	if len(es) <= cacheEntries {
		return
	}
	slices.SortFunc(es, func(a, b entry) int { return b.used.Compare(a.used) })
	for _, e := range es[cacheEntries:] {
		os.Remove(filepath.Join(dir, e.name))
	}
}

func copyFile(src, dst string) error {
	data, err := os.ReadFile(src)
	if err != nil {
		return err
	}
	if err := os.WriteFile(dst, data, 0o755); err != nil {
		return err
	}
	return os.Chmod(dst, 0o755)
}
