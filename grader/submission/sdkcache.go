package submission

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"io/fs"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
)

// sdk-go (1.2.0) runs Restate's shared state machine as a WASM module under wazero and
// compiles it the first time a process needs it: 0.4-0.9 CPU-s at the first call after
// every start and every restart of a service, which is most of "service ready" and a
// large share of a grading. wazero can keep compiled modules in a folder, but the SDK
// gives no way to ask for it. So the grader builds every service against a copy of the
// SDK (in CacheRoot()/sdk, made once) in which one file differs: its wazero runtime keeps
// the compiled core in CacheRoot()/wasm. The build uses that copy through
// `go build -modfile`, an alternate go.mod (the module's own plus one `replace`); the
// module's files are never touched. Nothing else in the SDK or the submission changes,
// and a folder that cannot be used (read-only, corrupt entry) falls back to the SDK's own
// runtime, so a grading never depends on it. A module whose SDK file does not read as
// expected (another sdk-go version), or that replaces the SDK itself, is built as it is.
// IDEM_WASM_CACHE=off turns it off.

const (
	sdkModule    = "github.com/restatedev/sdk-go"
	sdkCoreFile  = "internal/statemachine/wasm.go"
	sdkNewRunner = "_wazeroRuntime = wazero.NewRuntime(ctx)"
	sdkCompile   = "CompileModule(ctx, sharedCore)"
	sdkCoreWASM  = "internal/statemachine/shared_core_golang_wasm_binding.wasm"
)

// sdkPatch is appended to the SDK file; %q is the cache folder.
const sdkPatch = `

// gradeWasmRuntime was added by the grader when it built this binary (see
// idempotency/grader/submission/sdkcache.go): a wazero runtime that keeps the compiled
// shared core in a folder, so that the next service process loads it instead of
// compiling it again. A folder that fails (a corrupt entry) is emptied and tried once
// more; if it still fails, the SDK's own runtime.
// IDEM_WASM_DIR names another folder: the read-only copy the grader gives a service that
// runs as another user.
func gradeWasmRuntime(ctx context.Context) wazero.Runtime {
	dir := %q
	if d := os.Getenv("IDEM_WASM_DIR"); d != "" {
		dir = d
	}
	for try := 0; try < 2; try++ {
		cache, err := wazero.NewCompilationCacheWithDir(dir)
		if err == nil {
			r := wazero.NewRuntimeWithConfig(ctx, wazero.NewRuntimeConfig().WithCompilationCache(cache))
			if _, err = r.CompileModule(ctx, sharedCore); err == nil {
				return r
			}
			_ = r.Close(ctx)
		}
		_ = os.RemoveAll(dir)
	}
	return wazero.NewRuntime(ctx)
}
`

// sdkFlags memoizes the build flag per module root, cache folder and go.mod/go.sum.
var sdkFlags sync.Map

// sdkCacheFlag returns the `-modfile=...` flag that builds root's module against the
// caching copy of the SDK, or "" when it does not apply.
func sdkCacheFlag(ctx context.Context, root string) string {
	if os.Getenv("IDEM_WASM_CACHE") == "off" {
		return ""
	}
	gomod, err1 := os.ReadFile(filepath.Join(root, "go.mod"))
	gosum, err2 := os.ReadFile(filepath.Join(root, "go.sum"))
	if err1 != nil || err2 != nil {
		return ""
	}
	cacheRoot, err := CacheRoot()
	if err != nil {
		return ""
	}
	memo := root + "\x00" + cacheRoot + "\x00" + hashOf(gomod, gosum)
	if f, ok := sdkFlags.Load(memo); ok {
		return f.(string)
	}
	f, err := makeSDKCache(ctx, root, cacheRoot, gomod, gosum)
	if err != nil {
		f = "" // built as it is: slower, never wrong
	}
	sdkFlags.Store(memo, f)
	return f
}

func makeSDKCache(ctx context.Context, root, cacheRoot string, gomod, gosum []byte) (string, error) {
	cmd := exec.CommandContext(ctx, "go", "list", "-m", "-f", "{{.Dir}}|{{.Replace}}", sdkModule)
	cmd.Dir = root
	out, err := cmd.Output()
	if err != nil {
		return "", fmt.Errorf("find the SDK: %w", err)
	}
	dir, replace, _ := strings.Cut(strings.TrimSpace(string(out)), "|")
	if dir == "" || replace != "<nil>" {
		return "", fmt.Errorf("the module replaces the SDK, or has none")
	}
	src, err := os.ReadFile(filepath.Join(dir, filepath.FromSlash(sdkCoreFile)))
	if err != nil {
		return "", err
	}
	patched, ok := patchSDKCore(src, filepath.Join(cacheRoot, "wasm"))
	if !ok {
		return "", fmt.Errorf("%s is not the file the patch was written for", sdkCoreFile)
	}
	sharedCore.Store(filepath.Join(dir, filepath.FromSlash(sdkCoreWASM)))
	base := filepath.Join(cacheRoot, "sdk")
	copyDir := filepath.Join(base, filepath.Base(dir)+"-"+hashOf([]byte(dir), patched))
	if err := copySDK(dir, copyDir, patched); err != nil {
		return "", err
	}
	alt := append(bytes.Clone(gomod), fmt.Sprintf("\nreplace %s => %s\n", sdkModule, copyDir)...)
	name := filepath.Join(base, "go-"+hashOf(alt, gosum))
	if err := writeOnce(name+".mod", alt); err != nil {
		return "", err
	}
	if err := writeOnce(name+".sum", gosum); err != nil {
		return "", err
	}
	return "-modfile=" + name + ".mod", nil
}

// copySDK makes to, a copy of the SDK module at from with the core file patched, unless
// it exists. It is built aside and renamed, so a concurrent build never sees half of it.
func copySDK(from, to string, patched []byte) error {
	if _, err := os.Stat(filepath.Join(to, "go.mod")); err == nil {
		return nil
	}
	if err := os.MkdirAll(filepath.Dir(to), 0o755); err != nil {
		return err
	}
	tmp, err := os.MkdirTemp(filepath.Dir(to), ".new-")
	if err != nil {
		return err
	}
	defer os.RemoveAll(tmp)
	err = filepath.WalkDir(from, func(path string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		r, _ := filepath.Rel(from, path)
		dst := filepath.Join(tmp, r)
		if d.IsDir() {
			return os.MkdirAll(dst, 0o755)
		}
		return copyFile(path, dst)
	})
	if err != nil {
		return fmt.Errorf("copy the SDK: %w", err)
	}
	if err := os.WriteFile(filepath.Join(tmp, filepath.FromSlash(sdkCoreFile)), patched, 0o644); err != nil {
		return err
	}
	if err := os.Rename(tmp, to); err != nil {
		if _, statErr := os.Stat(filepath.Join(to, "go.mod")); statErr == nil {
			return nil // another grader made it first
		}
		return err
	}
	return nil
}

// sdkModFile is the alternate go.mod a -modfile flag names, without its extension (the
// compiler may name the .mod or the .sum).
func sdkModFile(flag string) string {
	return strings.TrimSuffix(strings.TrimPrefix(flag, "-modfile="), ".mod")
}

// writeOnce writes data to path unless it exists (its name is its content's hash).
func writeOnce(path string, data []byte) error {
	if _, err := os.Stat(path); err == nil {
		return nil
	}
	tmp, err := os.CreateTemp(filepath.Dir(path), ".new-")
	if err != nil {
		return err
	}
	defer os.Remove(tmp.Name())
	if _, err := tmp.Write(data); err != nil {
		tmp.Close()
		return err
	}
	if err := tmp.Close(); err != nil {
		return err
	}
	return os.Rename(tmp.Name(), path)
}

func hashOf(parts ...[]byte) string {
	h := sha256.New()
	for _, p := range parts {
		fmt.Fprintf(h, "%d:", len(p))
		h.Write(p)
	}
	return hex.EncodeToString(h.Sum(nil))[:16]
}

// patchSDKCore makes the SDK's runtime the caching one. ok is false when src is not the
// file this was written for (the runtime is created once, the core is compiled from
// sharedCore, and os is imported).
func patchSDKCore(src []byte, cacheDir string) ([]byte, bool) {
	if bytes.Count(src, []byte(sdkNewRunner)) != 1 || !bytes.Contains(src, []byte(sdkCompile)) ||
		!bytes.HasPrefix(src, []byte("package statemachine\n")) || !bytes.Contains(src, []byte("\t\"os\"\n")) {
		return nil, false
	}
	out := bytes.Replace(src, []byte(sdkNewRunner), []byte("_wazeroRuntime = gradeWasmRuntime(ctx)"), 1)
	return append(out, fmt.Sprintf(sdkPatch, cacheDir)...), true
}
