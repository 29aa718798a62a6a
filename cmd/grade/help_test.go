package main

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// The top-level usage lists every command of the table, grouped; `help CMD` and
// `CMD --help` print the same usage, with the command's exit status, on stdout.
func TestHelpComesFromTheCommandTable(t *testing.T) {
	for _, args := range [][]string{{"help"}, {"--help"}, {"-h"}} {
		code, out, errOut := runArgs(t, args...)
		assert.Equal(t, 0, code, args)
		assert.Empty(t, errOut)
		assert.Equal(t, topUsage(), out)
	}
	top := topUsage()
	groups := []string{groupGrading + ":", groupLearner + ":", groupInstructor + ":"}
	for i := 1; i < len(groups); i++ {
		assert.Less(t, strings.Index(top, groups[i-1]), strings.Index(top, groups[i]), "groups in order")
	}
	for _, c := range commands() {
		name := c.name
		if name == gradeName {
			name = "ex1"
		}
		t.Run(name, func(t *testing.T) {
			if c.name != gradeName {
				assert.Contains(t, top, "\n  "+c.name+" ")
			}
			code, viaHelp, _ := runArgs(t, "help", name)
			assert.Equal(t, 0, code)
			want := c
			if c.name == "all" { // all is graded as an exercise is: one usage
				want, _ = lookupCommand(gradeName)
			}
			assert.True(t, strings.HasPrefix(viaHelp, want.usageLine()+"\n"), viaHelp)
			assert.Contains(t, viaHelp, "Exit status")
			code, viaFlag, _ := runArgs(t, name, "--help")
			assert.Equal(t, 0, code)
			assert.Equal(t, viaHelp, viaFlag)
		})
	}
	_, out, _ := runArgs(t, "help", "watch")
	assert.Contains(t, out, "-debounce duration", "a command's help lists its flags")
	_, out, _ = runArgs(t, "help", "ex1")
	assert.Contains(t, out, "-runtime string")
	assert.Contains(t, out, "--dir may name a folder anywhere")
}

// The README shows the top-level usage as the command prints it, so that its command
// list and exit status cannot drift from the help.
func TestREADMEShowsTheHelp(t *testing.T) {
	readme, err := os.ReadFile(filepath.Join("..", "..", "README.md"))
	require.NoError(t, err)
	assert.Contains(t, string(readme), "```text\n$ go run ./cmd/grade help\n"+topUsage()+"```",
		"README.md's command list must be `go run ./cmd/grade help` as it prints today; paste it again")
}
