package overlay

import (
	"encoding/json"
	"os"
	"path/filepath"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestParseRoundTrip(t *testing.T) {
	src := "Loses x.\n//grade:lose a b\n//grade:rule R1\n-- f.go --\npackage main\n-- gone.go --\n"
	a, err := Parse([]byte(src))
	require.NoError(t, err)
	assert.Equal(t, "Loses x.\n//grade:lose a b\n//grade:rule R1\n", a.Comment)
	require.Len(t, a.Files, 2)
	assert.Equal(t, "f.go", a.Files[0].Name)
	assert.Equal(t, "package main\n", string(a.Files[0].Data))
	assert.Empty(t, a.Files[1].Data)
	assert.Equal(t, [][]string{{"a", "b"}}, a.Directives("lose"))
	assert.Equal(t, [][]string{{"R1"}}, a.Directives("rule"))
	assert.Nil(t, a.Directives("error"))
	assert.Equal(t, src, string(Format(a)))
}

func TestParseRefusesPathsAndEmpty(t *testing.T) {
	_, err := Parse([]byte("-- ../x.go --\npackage main\n"))
	assert.Error(t, err)
	_, err = Parse([]byte("-- README.md --\nhi\n"))
	assert.Error(t, err)
	_, err = Parse([]byte("just a comment\n"))
	assert.Error(t, err)
}

func TestWriteJSON(t *testing.T) {
	a := &Archive{Files: []File{{Name: "f.go", Data: []byte("package main\n")}, {Name: "gone.go"}}}
	dir := t.TempDir()
	base := t.TempDir()
	path, err := a.WriteJSON(base, dir)
	require.NoError(t, err)
	data, err := os.ReadFile(path)
	require.NoError(t, err)
	var o struct{ Replace map[string]string }
	require.NoError(t, json.Unmarshal(data, &o))
	assert.Equal(t, "", o.Replace[filepath.Join(base, "gone.go")])
	got, err := os.ReadFile(o.Replace[filepath.Join(base, "f.go")])
	require.NoError(t, err)
	assert.Equal(t, "package main\n", string(got))
}
