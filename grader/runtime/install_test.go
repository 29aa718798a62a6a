package runtime

import (
	"bytes"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// fakeNPM puts an npm on PATH that "installs" a tiny restate-server where the real package
// would, and records each run, so the install logic is tested without a registry.
func fakeNPM(t *testing.T, fail bool) (runs func() int) {
	t.Helper()
	rel, err := binaryRelPath()
	require.NoError(t, err)
	dir := t.TempDir()
	log := filepath.Join(dir, "runs")
	script := `#!/bin/sh
echo run >> ` + log + `
prefix=
while [ $# -gt 0 ]; do [ "$1" = --prefix ] && prefix=$2; shift; done
`
	if fail {
		script += "echo 'npm ERR! 404 Not Found' >&2\nexit 1\n"
	} else {
		// The download takes a while, which gives a concurrent grader a chance to race.
		script += `sleep 0.3
mkdir -p "$prefix/` + filepath.Dir(rel) + `"
printf '#!/bin/sh\n' > "$prefix/` + rel + `"
chmod +x "$prefix/` + rel + `"
`
	}
	require.NoError(t, os.WriteFile(filepath.Join(dir, "npm"), []byte(script), 0o755))
	t.Setenv("PATH", dir+string(os.PathListSeparator)+os.Getenv("PATH"))
	t.Setenv("RESTATE_SERVER_BIN", "")
	t.Setenv("XDG_CACHE_HOME", t.TempDir())
	return func() int {
		b, _ := os.ReadFile(log)
		return bytes.Count(b, []byte("run"))
	}
}

func TestInstallConcurrentGradersInstallOnce(t *testing.T) {
	runs := fakeNPM(t, false)
	var (
		wg       sync.WaitGroup
		mu       sync.Mutex
		paths    []string
		progress bytes.Buffer
	)
	for range 3 {
		wg.Go(func() {
			var w bytes.Buffer
			p, err := BinaryPath(t.Context(), &w)
			assert.NoError(t, err)
			mu.Lock()
			defer mu.Unlock()
			paths = append(paths, p)
			progress.Write(w.Bytes())
		})
	}
	wg.Wait()
	assert.Equal(t, 1, runs(), "npm runs")
	require.Len(t, paths, 3)
	assert.Equal(t, paths[0], paths[1])
	assert.Equal(t, paths[0], paths[2])
	assert.NoError(t, checkExecutable(paths[0]))
	dir, err := installDir()
	require.NoError(t, err)
	assert.True(t, strings.HasPrefix(paths[0], dir+string(filepath.Separator)), "%s is outside %s", paths[0], dir)
	leftovers, _ := filepath.Glob(dir + ".tmp-*")
	assert.Empty(t, leftovers, "temp install dirs left behind")
	assert.Contains(t, progress.String(), "restate-server: installing @restatedev/restate-server@1.7.12")
	assert.Contains(t, progress.String(), "restate-server: installed in ")

	// Installed once, found from then on.
	_, err = BinaryPath(t.Context(), nil)
	require.NoError(t, err)
	assert.Equal(t, 1, runs(), "npm runs")
}

func TestInstallFailureReportsNPMOutput(t *testing.T) {
	fakeNPM(t, true)
	_, err := BinaryPath(t.Context(), nil)
	require.Error(t, err)
	assert.ErrorContains(t, err, "npm ERR! 404 Not Found")
	dir, err := installDir()
	require.NoError(t, err)
	assert.NoDirExists(t, dir)
	leftovers, _ := filepath.Glob(dir + ".tmp-*")
	assert.Empty(t, leftovers, "temp install dirs left behind")
}
