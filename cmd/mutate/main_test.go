package main

import (
	"bytes"
	"context"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestListSamplesWithoutGrading(t *testing.T) {
	var out, errOut bytes.Buffer
	err := run(context.Background(), []string{"--list", "--only", "ex1", "--sample", "5", "--ops", "negate,4"}, &out, &errOut)
	require.NoError(t, err, errOut.String())
	lines := strings.Split(strings.TrimSpace(out.String()), "\n")
	assert.Len(t, lines, 5)
	for _, l := range lines {
		assert.Regexp(t, `^ex1 (negate|drop-state-write)/order_service\.go:\d+:\d+/[0-9a-f]{6} \| `, l)
	}
	assert.Contains(t, errOut.String(), "grading a sample of 5")
}

func TestUsageErrors(t *testing.T) {
	var out, errOut bytes.Buffer
	assert.ErrorContains(t, run(context.Background(), []string{"--ops", "nope", "--list"}, &out, &errOut), `unknown operator "nope"`)
	assert.ErrorContains(t, run(context.Background(), []string{"--only", "ex9", "--list"}, &out, &errOut), "no exercise matches")
}
