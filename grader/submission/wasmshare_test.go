package submission

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// A service run as another user gets its own read-only folder holding the compiled
// shared core: the grader compiles it into its cache (once) and links the entries.
func TestShareWASMCacheGivesAReadOnlyCopyOfTheCompiledCore(t *testing.T) {
	t.Setenv("XDG_CACHE_HOME", t.TempDir())
	flag := sdkCacheFlag(context.Background(), repoRoot(t)) // records the SDK's core
	require.NotEmpty(t, flag)
	compileOnce = sync.Once{} // this test's own cache

	work := t.TempDir()
	env, ok := shareWASMCache(work)
	require.True(t, ok)
	dir := filepath.Join(work, "wasm")
	require.Equal(t, "IDEM_WASM_DIR="+dir, env)

	cacheRoot, err := CacheRoot()
	require.NoError(t, err)
	var entries []string
	require.NoError(t, filepath.WalkDir(dir, func(path string, d os.DirEntry, err error) error {
		require.NoError(t, err)
		info, err := d.Info()
		require.NoError(t, err)
		if d.IsDir() {
			assert.Equal(t, os.FileMode(0o755), info.Mode().Perm(), path)
			return nil
		}
		assert.Equal(t, os.FileMode(0o644), info.Mode().Perm(), "%s: readable, never writable, by the service", path)
		rel, _ := filepath.Rel(dir, path)
		master, err := os.ReadFile(filepath.Join(cacheRoot, "wasm", rel))
		require.NoError(t, err, "the same entry in the grader's cache")
		mine, err := os.ReadFile(path)
		require.NoError(t, err)
		assert.Equal(t, master, mine)
		entries = append(entries, rel)
		return nil
	}))
	require.Len(t, entries, 1, "one compiled module")
	assert.True(t, strings.HasPrefix(entries[0], "wazero-"), entries[0])

	// A restart of the service shares the same folder again.
	again, ok := shareWASMCache(work)
	require.True(t, ok)
	assert.Equal(t, env, again)

	// An entry written later by a service run as the grader's user (0600) is shared readable.
	master := filepath.Join(cacheRoot, "wasm", entries[0])
	require.NoError(t, os.Chmod(master, 0o600))
	other := t.TempDir()
	_, ok = shareWASMCache(other)
	require.True(t, ok)
	info, err := os.Stat(filepath.Join(other, "wasm", entries[0]))
	require.NoError(t, err)
	assert.Equal(t, os.FileMode(0o644), info.Mode().Perm())
}

// Without a patched SDK (another sdk-go, or IDEM_WASM_CACHE=off) there is nothing to share.
func TestShareWASMCacheWithoutTheSDK(t *testing.T) {
	prev := sharedCore.Load()
	sharedCore.Store("")
	t.Cleanup(func() {
		if prev != nil {
			sharedCore.Store(prev)
		}
	})
	_, ok := shareWASMCache(t.TempDir())
	assert.False(t, ok)
}
