package main

import (
	"context"
	"encoding/json"
	"os"
	"testing"

	rt "idempotency/grader/runtime"
	"idempotency/grader/selftest/gradetest"

	cerrdefs "github.com/containerd/errdefs"
	"github.com/moby/moby/client"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// As testcontainers users expect, an image the engine does not have is pulled on first
// use, with progress on stderr, and the grade goes on. The registry is on loopback
// (.ci/registry.sh, IDEM_TEST_REGISTRY=127.0.0.1:5000) and holds a build of the restate
// image that the engine does not have; --runtime auto chooses the container because an
// engine answers, pulls, and grades the reference solution to full marks.
func TestContainerImageIsPulledOnFirstUse(t *testing.T) {
	gradetest.RequireDocker(t)
	registry := os.Getenv("IDEM_TEST_REGISTRY")
	if registry == "" {
		if os.Getenv("IDEM_REQUIRE_DOCKER") == "1" {
			t.Fatal("IDEM_REQUIRE_DOCKER=1 but IDEM_TEST_REGISTRY is not set: run .ci/registry.sh and export IDEM_TEST_REGISTRY=127.0.0.1:5000")
		}
		t.Skip("skipped: no test registry (run .ci/registry.sh, then IDEM_TEST_REGISTRY=127.0.0.1:5000)")
	}
	image := registry + "/restatedev/restate:" + rt.Version
	cli, err := client.New(client.FromEnv)
	require.NoError(t, err)
	defer cli.Close()
	remove := func() {
		// Not t.Context(): it has ended by the time cleanups run.
		_, err := cli.ImageRemove(context.Background(), image, client.ImageRemoveOptions{Force: true, PruneChildren: true})
		if err != nil && !cerrdefs.IsNotFound(err) {
			t.Logf("remove %s: %v", image, err)
		}
	}
	remove()
	t.Cleanup(remove) // the next run pulls again
	present, err := rt.ImagePresent(t.Context(), image)
	require.NoError(t, err)
	require.False(t, present, "%s must not be in the engine before the grade", image)

	chdirRoot(t)
	code, out, errOut := runArgs(t, "ex1", "--solution", "--image", image, "--seed", "9", "--format", "json")
	t.Logf("stderr:\n%s", errOut)
	assert.Equal(t, 0, code)
	assert.Contains(t, errOut, "restate-server: container (a Docker engine answered; image "+image+" is pulled on first use)")
	assert.Contains(t, errOut, "restate-server: pulling "+image+" (first use only)")
	assert.Regexp(t, `restate-server: pulled `+image+` \(\d+ of \d+ layers done, [0-9.]+ MB of [0-9.]+ MB downloaded\) in `, errOut)
	var rep struct {
		Score, MaxScore int
		Runtime         string
	}
	require.NoError(t, json.Unmarshal([]byte(out), &struct {
		Score    *int    `json:"score"`
		MaxScore *int    `json:"max_score"`
		Runtime  *string `json:"runtime"`
	}{&rep.Score, &rep.MaxScore, &rep.Runtime}))
	assert.Equal(t, "container", rep.Runtime)
	assert.Equal(t, rep.MaxScore, rep.Score, "the reference solution scores full marks")
	present, err = rt.ImagePresent(t.Context(), image)
	require.NoError(t, err)
	assert.True(t, present, "the pulled image stays for the next run")
}
