package runtime

import (
	"bytes"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestExternal(t *testing.T) {
	owner := startServer(t, Config{Kind: "native", Log: serverLog(t)})

	// Trailing slashes as users type them are dropped, so callers can append paths.
	s := startServer(t, Config{Kind: "external", AdminURL: owner.AdminURL() + "/", IngressURL: owner.IngressURL() + "/"})
	assert.Equal(t, "external", s.Kind())
	assert.Equal(t, owner.AdminURL(), s.AdminURL())
	assert.Equal(t, owner.IngressURL(), s.IngressURL())
	assert.Error(t, s.Restart(t.Context()))
	require.NoError(t, s.Stop())
	assert.NoError(t, querySQL(t.Context(), owner.AdminURL()), "stopping an external server must leave it running")
}

func TestStartRejectsBadConfig(t *testing.T) {
	type testCase struct {
		name    string
		cfg     Config
		wantErr string
	}
	for _, tc := range []testCase{
		{name: "unknown kind", cfg: Config{Kind: "vm"}, wantErr: `unknown restate-server kind "vm"`},
		{name: "negative retry budget", cfg: Config{Kind: "native", RetryMaxAttempts: -1}, wantErr: "retry max attempts"},
		{name: "external without admin url", cfg: Config{Kind: "external", IngressURL: "http://127.0.0.1:1"}, wantErr: "admin url is empty"},
		{name: "external with a bad url", cfg: Config{Kind: "external", IngressURL: "127.0.0.1:1", AdminURL: "http://127.0.0.1:1"}, wantErr: "not an http(s) url"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			s, err := Start(t.Context(), tc.cfg)
			assert.Nil(t, s)
			assert.ErrorContains(t, err, tc.wantErr)
		})
	}
}

func TestAutoFallsBackToNativeWithoutImage(t *testing.T) {
	var progress bytes.Buffer
	s := startServer(t, Config{Image: "idempotency-grader/no-such-image:0", Progress: &progress, Log: serverLog(t)})
	assert.Equal(t, "native", s.Kind())
	line := progress.String()
	assert.True(t, strings.HasPrefix(line, "restate-server: native binary ("), "progress: %q", line)
	assert.True(t, strings.Contains(line, "no Docker engine answered") || strings.Contains(line, "not present locally"),
		"progress must say why: %q", line)
}

func TestDockerAvailableIsQuick(t *testing.T) {
	// Nothing listens on this socket, which is what a machine without Docker looks like.
	t.Setenv("DOCKER_HOST", "unix://"+t.TempDir()+"/docker.sock")
	began := time.Now()
	assert.False(t, DockerAvailable(t.Context()))
	assert.Less(t, time.Since(began), time.Second)
}
