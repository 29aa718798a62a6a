package submission

import (
	"context"
	"encoding/json"
	"os"
	"os/exec"
	"path/filepath"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
)

// writeModule lays out a two-package module: main in app/ printing a constant of lib/.
func writeModule(t *testing.T, greeting string) string {
	t.Helper()
	root := t.TempDir()
	files := map[string]string{
		"go.mod":          "module cachetest\n\ngo 1.24\n",
		"lib/lib.go":      "package lib\n\nconst Greeting = \"" + greeting + "\"\n",
		"app/main.go":     "package main\n\nimport (\n\t\"fmt\"\n\n\t\"cachetest/lib\"\n)\n\nfunc main() { fmt.Print(lib.Greeting, suffix) }\n",
		"app/suffix.go":   "package main\n\nconst suffix = \"!\"\n",
		".grade/noise.go": "package noise\n",
	}
	for name, text := range files {
		p := filepath.Join(root, name)
		require.NoError(t, os.MkdirAll(filepath.Dir(p), 0o755))
		require.NoError(t, os.WriteFile(p, []byte(text), 0o644))
	}
	return root
}

func key(t *testing.T, root, overlay string, flags ...string) string {
	t.Helper()
	k, ok := buildKey(context.Background(), root, "./app", flags, overlay)
	require.True(t, ok, "the module is small enough to hash")
	return k
}

func TestBuildKeyFollowsContentNotTimestamps(t *testing.T) {
	root := writeModule(t, "hello")
	base := key(t, root, "", "-ldflags=-s -w")

	// Touching files, or writing in .grade (where batch copies other learners), changes nothing.
	later := time.Now().Add(time.Hour)
	require.NoError(t, os.Chtimes(filepath.Join(root, "app", "main.go"), later, later))
	require.NoError(t, os.WriteFile(filepath.Join(root, ".grade", "noise.go"), []byte("package noise // other\n"), 0o644))
	require.Equal(t, base, key(t, root, "", "-ldflags=-s -w"))

	// Every input changes it: flags, the package's files, a module-local dependency, an overlay.
	require.NotEqual(t, base, key(t, root, ""), "flags are part of the key")
	require.NoError(t, os.WriteFile(filepath.Join(root, "lib", "lib.go"), []byte("package lib\n\nconst Greeting = \"bye\"\n"), 0o644))
	dep := key(t, root, "", "-ldflags=-s -w")
	require.NotEqual(t, base, dep, "a dependency in the module is part of the key")

	repl := filepath.Join(t.TempDir(), "suffix.go")
	require.NoError(t, os.WriteFile(repl, []byte("package main\n\nconst suffix = \"?\"\n"), 0o644))
	ov := filepath.Join(t.TempDir(), "overlay.json")
	data, _ := json.Marshal(map[string]any{"Replace": map[string]string{filepath.Join(root, "app", "suffix.go"): repl}})
	require.NoError(t, os.WriteFile(ov, data, 0o644))
	withOverlay := key(t, root, ov, "-ldflags=-s -w")
	require.NotEqual(t, dep, withOverlay, "an overlay's replacement is part of the key")
	require.NoError(t, os.WriteFile(repl, []byte("package main\n\nconst suffix = \".\"\n"), 0o644))
	require.NotEqual(t, withOverlay, key(t, root, ov, "-ldflags=-s -w"), "so is its content")
}

func TestBuildReusesABinaryOnlyForTheSameInputs(t *testing.T) {
	if testing.Short() {
		t.Skip("builds twice")
	}
	t.Setenv("IDEM_BUILD_CACHE", t.TempDir())
	root := writeModule(t, "hello")
	run := func() string {
		t.Helper()
		bin, err := Build(context.Background(), root, filepath.Join(root, "app"), t.TempDir(), "")
		require.NoError(t, err)
		out, err := exec.Command(bin).Output()
		require.NoError(t, err)
		return string(out)
	}
	require.Equal(t, "hello!", run())
	entries, err := os.ReadDir(os.Getenv("IDEM_BUILD_CACHE"))
	require.NoError(t, err)
	require.Len(t, entries, 1, "the first build is kept")

	require.Equal(t, "hello!", run(), "the same inputs give the kept binary")
	require.NoError(t, os.WriteFile(filepath.Join(root, "lib", "lib.go"), []byte("package lib\n\nconst Greeting = \"bye\"\n"), 0o644))
	require.Equal(t, "bye!", run(), "a changed dependency is built again, never served stale")
}

func TestPruneKeepsTheMostRecentlyUsed(t *testing.T) {
	dir := t.TempDir()
	old := time.Now().Add(-time.Hour)
	for i := range cacheEntries + 3 {
		p := filepath.Join(dir, string(rune('a'+i)))
		require.NoError(t, os.WriteFile(p, nil, 0o755))
		at := old.Add(time.Duration(i) * time.Second)
		require.NoError(t, os.Chtimes(p, at, at))
	}
	prune(dir)
	entries, err := os.ReadDir(dir)
	require.NoError(t, err)
	require.Len(t, entries, cacheEntries)
	require.Equal(t, "d", entries[0].Name(), "the three least recently used went")
}
