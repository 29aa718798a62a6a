package runtime

import (
	"bytes"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// The engine's progress stream, as it arrives for an image of two layers, one of which
// the engine has already.
const pullStream = `{"status":"Pulling from restatedev/restate","id":"1.7.12"}
{"status":"Already exists","progressDetail":{},"id":"aaaa"}
{"status":"Pulling fs layer","progressDetail":{},"id":"bbbb"}
{"status":"Downloading","progressDetail":{"current":1000000,"total":4000000},"id":"bbbb"}
{"status":"Downloading","progressDetail":{"current":3000000,"total":4000000},"id":"bbbb"}
{"status":"Download complete","progressDetail":{},"id":"bbbb"}
{"status":"Extracting","progressDetail":{"current":4000000,"total":4000000},"id":"bbbb"}
{"status":"Pull complete","progressDetail":{},"id":"bbbb"}
{"status":"Digest: sha256:0123"}
{"status":"Status: Downloaded newer image for 127.0.0.1:5000/restatedev/restate:1.7.12"}
`

func TestPullProgressLines(t *testing.T) {
	var out bytes.Buffer
	p := newPullProgress(&out, "IMG", 0)
	require.NoError(t, p.read(strings.NewReader(pullStream)))
	lines := strings.Split(strings.TrimSpace(out.String()), "\n")
	assert.Contains(t, lines, "restate-server: pulling IMG: 1 of 2 layers done, 1.0 MB of 4.0 MB downloaded")
	assert.Contains(t, lines, "restate-server: pulling IMG: 1 of 2 layers done, 3.0 MB of 4.0 MB downloaded")
	assert.Equal(t, "restate-server: pulling IMG: 2 of 2 layers done, 4.0 MB of 4.0 MB downloaded", lines[len(lines)-1])
	for _, l := range lines {
		assert.NotContains(t, l, "Digest", "the engine's own status lines are not repeated")
	}
}

func TestPullProgressThrottles(t *testing.T) {
	var out bytes.Buffer
	p := newPullProgress(&out, "IMG", 1<<40)
	require.NoError(t, p.read(strings.NewReader(pullStream)))
	assert.Equal(t, 1, strings.Count(out.String(), "\n"), "one line per interval: %q", out.String())
	assert.Equal(t, "2 of 2 layers done, 4.0 MB of 4.0 MB downloaded", p.summary())
}

func TestPullStreamError(t *testing.T) {
	p := newPullProgress(&bytes.Buffer{}, "IMG", 0)
	err := p.read(strings.NewReader(`{"status":"Pulling fs layer","id":"x"}
{"errorDetail":{"message":"manifest unknown"},"error":"manifest unknown"}
`))
	assert.EqualError(t, err, "manifest unknown")
}
