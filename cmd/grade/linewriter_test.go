package main

import (
	"bytes"
	"fmt"
	"strings"
	"sync"
	"testing"

	"github.com/stretchr/testify/assert"
)

// Lines written in pieces by concurrent gradings come out whole, each with its prefix.
func TestPrefixedLinesStayWhole(t *testing.T) {
	var out bytes.Buffer
	lw := &lineWriter{w: &out}
	var wg sync.WaitGroup
	for _, id := range []string{"ex1", "ex2", "ex3"} {
		wg.Add(1)
		go func() {
			defer wg.Done()
			w := lw.prefixed(id + ": ")
			for i := range 50 {
				fmt.Fprintf(w, "step %d ", i)
				fmt.Fprintf(w, "of %s\n", id)
			}
		}()
	}
	wg.Wait()
	lines := strings.Split(strings.TrimSuffix(out.String(), "\n"), "\n")
	assert.Len(t, lines, 150)
	for _, l := range lines {
		id, rest, ok := strings.Cut(l, ": ")
		assert.True(t, ok, l)
		assert.True(t, strings.HasPrefix(rest, "step ") && strings.HasSuffix(rest, " of "+id), l)
	}
}
