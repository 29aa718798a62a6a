package submission

import (
	"context"
	"go/parser"
	"go/token"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"
)

// repoRoot is the module holding this package (it requires sdk-go).
func repoRoot(t *testing.T) string {
	t.Helper()
	root, err := ModuleRoot(".")
	require.NoError(t, err)
	return root
}

func TestPatchSDKCoreAppliesToThePinnedSDKOnly(t *testing.T) {
	dir := sdkModuleDir(t)
	src, err := os.ReadFile(filepath.Join(dir, filepath.FromSlash(sdkCoreFile)))
	require.NoError(t, err)

	patched, ok := patchSDKCore(src, "/cache/wasm")
	require.True(t, ok, "sdk-go's %s reads as the patch expects", sdkCoreFile)
	text := string(patched)
	require.Contains(t, text, "_wazeroRuntime = gradeWasmRuntime(ctx)")
	require.NotContains(t, text, sdkNewRunner)
	require.Contains(t, text, `dir := "/cache/wasm"`)
	require.Contains(t, text, `os.Getenv("IDEM_WASM_DIR")`, "a service run as another user is given a folder of its own")
	_, err = parser.ParseFile(token.NewFileSet(), "wasm.go", patched, 0)
	require.NoError(t, err, "the patched file is Go")

	// Another SDK (the runtime made elsewhere, or twice) is left alone.
	_, ok = patchSDKCore([]byte(strings.Replace(string(src), sdkNewRunner, "_wazeroRuntime = newRuntime(ctx)", 1)), "/c")
	require.False(t, ok)
	_, ok = patchSDKCore(append(src, "\nvar _ = func(ctx context.Context) { _wazeroRuntime = wazero.NewRuntime(ctx) }\n"...), "/c")
	require.False(t, ok)
}

func sdkModuleDir(t *testing.T) string {
	t.Helper()
	out, err := execOutput(repoRoot(t), "go", "list", "-m", "-f", "{{.Dir}}", sdkModule)
	require.NoError(t, err)
	return strings.TrimSpace(out)
}

func TestSDKCacheFlagNamesAnAlternateGoModWithThePatchedCopy(t *testing.T) {
	t.Setenv("XDG_CACHE_HOME", t.TempDir())
	root := repoRoot(t)
	flag := sdkCacheFlag(context.Background(), root)
	require.True(t, strings.HasPrefix(flag, "-modfile="), flag)
	mod := strings.TrimPrefix(flag, "-modfile=")

	alt, err := os.ReadFile(mod)
	require.NoError(t, err)
	own, err := os.ReadFile(filepath.Join(root, "go.mod"))
	require.NoError(t, err)
	require.True(t, strings.HasPrefix(string(alt), string(own)), "the module's go.mod, then one replace")
	_, replace, found := strings.Cut(string(alt)[len(own):], "replace "+sdkModule+" => ")
	require.True(t, found)
	copyDir := strings.TrimSpace(replace)
	patched, err := os.ReadFile(filepath.Join(copyDir, filepath.FromSlash(sdkCoreFile)))
	require.NoError(t, err)
	require.Contains(t, string(patched), "gradeWasmRuntime")
	sum, err := os.ReadFile(strings.TrimSuffix(mod, ".mod") + ".sum")
	require.NoError(t, err)
	own, err = os.ReadFile(filepath.Join(root, "go.sum"))
	require.NoError(t, err)
	require.Equal(t, string(own), string(sum), "go.sum beside the alternate go.mod")

	// The module's own files are untouched, and the same flag comes back.
	require.Equal(t, flag, sdkCacheFlag(context.Background(), root))
}

func TestSDKCacheFlagIsEmptyWithoutTheSDKOrWhenOff(t *testing.T) {
	t.Setenv("XDG_CACHE_HOME", t.TempDir())
	root := writeModule(t, "hi")
	require.NoError(t, os.WriteFile(filepath.Join(root, "go.sum"), nil, 0o644))
	require.Empty(t, sdkCacheFlag(context.Background(), root), "a module without sdk-go builds as it is")

	t.Setenv("IDEM_WASM_CACHE", "off")
	require.Empty(t, sdkCacheFlag(context.Background(), repoRoot(t)))
}

func execOutput(dir, name string, args ...string) (string, error) {
	cmd := exec.Command(name, args...)
	cmd.Dir = dir
	out, err := cmd.Output()
	return string(out), err
}
