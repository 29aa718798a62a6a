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
	owner := startServer(t, Config{Kind: Native, Log: serverLog(t)})

	// Trailing slashes as users type them are dropped, so callers can append paths.
	s := startServer(t, Config{Kind: External, AdminURL: owner.AdminURL() + "/", IngressURL: owner.IngressURL() + "/"})
	assert.Equal(t, External, s.Kind())
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
		{name: "negative retry budget", cfg: Config{Kind: Native, RetryMaxAttempts: -1}, wantErr: "retry max attempts"},
		{name: "external without admin url", cfg: Config{Kind: External, IngressURL: "http://127.0.0.1:1"}, wantErr: "admin url is empty"},
		{name: "external with a bad url", cfg: Config{Kind: External, IngressURL: "127.0.0.1:1", AdminURL: "http://127.0.0.1:1"}, wantErr: "not an http(s) url"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			s, err := Start(t.Context(), tc.cfg)
			assert.Nil(t, s)
			assert.ErrorContains(t, err, tc.wantErr)
		})
	}
}

// Without Docker auto uses the native binary; with Docker but an image no registry
// serves, it tries to pull it, says so, and uses the native binary instead.
func TestAutoFallsBackToNative(t *testing.T) {
	var progress bytes.Buffer
	s := startServer(t, Config{Image: "127.0.0.1:1/idempotency-grader/no-such-image:0", Progress: &progress, Log: serverLog(t)})
	assert.Equal(t, Native, s.Kind())
	out := progress.String()
	if DockerAvailable(t.Context()) {
		assert.Contains(t, out, "restate-server: container (a Docker engine answered; image 127.0.0.1:1/idempotency-grader/no-such-image:0 is pulled on first use)")
		assert.Contains(t, out, "using the native binary instead")
	} else {
		assert.True(t, strings.HasPrefix(out, "restate-server: native binary (no Docker engine answered)"), "progress: %q", out)
	}
}

func TestChooseSaysWhy(t *testing.T) {
	t.Run("no engine", func(t *testing.T) {
		t.Setenv("DOCKER_HOST", "unix://"+t.TempDir()+"/docker.sock")
		c := Choose(t.Context(), "")
		assert.Equal(t, Choice{Kind: Native, Why: "no Docker engine answered"}, c)
	})
	t.Run("engine on another machine", func(t *testing.T) {
		// Judged from the address alone: nothing is dialled.
		t.Setenv("DOCKER_HOST", "tcp://docker.example:2376")
		assert.Contains(t, hostNetworkElsewhere(t.Context()), "runs on another machine")
	})
	t.Run("engine on loopback", func(t *testing.T) {
		t.Setenv("DOCKER_HOST", "unix://"+t.TempDir()+"/docker.sock")
		assert.Empty(t, hostNetworkElsewhere(t.Context()))
	})
	assert.Equal(t, "native binary", Native.Describe())
	assert.Equal(t, "container", Container.Describe())
}

func TestParseKind(t *testing.T) {
	for _, k := range Kinds {
		got, err := ParseKind(string(k))
		assert.NoError(t, err)
		assert.Equal(t, k, got)
	}
	_, err := ParseKind("podman")
	assert.EqualError(t, err, `unknown restate-server kind "podman" (want auto, native, container or external)`)
}

func TestDockerAvailableIsQuick(t *testing.T) {
	// Nothing listens on this socket, which is what a machine without Docker looks like.
	t.Setenv("DOCKER_HOST", "unix://"+t.TempDir()+"/docker.sock")
	began := time.Now()
	assert.False(t, DockerAvailable(t.Context()))
	assert.Less(t, time.Since(began), time.Second)
}
