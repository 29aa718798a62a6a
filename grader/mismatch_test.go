package grader

import (
	"testing"

	"github.com/stretchr/testify/assert"
)

func TestMismatchDetailShowsWhereAttemptsDiffer(t *testing.T) {
	msg := "Found a mismatch between the code paths taken during the previous execution and the paths taken during this execution.\n" +
		"This typically happens when some parts of the code are non-deterministic.\n" +
		"- The mismatch happened while executing 'set state' (index '3')\n" +
		"- Difference:\n" +
		`   value: '{"orderNumber":"ORD-162009601038","status":"pending"}' != '{"orderNumber":"ORD-345458188594","status":"pending"}'`
	got := MismatchDetail(msg)
	assert.Contains(t, got, "- The mismatch happened while executing 'set state' (index '3')")
	assert.Contains(t, got, "first attempt: ")
	assert.Contains(t, got, "ORD-162009601038")
	assert.Contains(t, got, "retry:         ")
	assert.Contains(t, got, "ORD-345458188594")
	assert.NotContains(t, got, "This typically happens")
	assert.Equal(t, "plain", MismatchDetail("plain"), "other messages pass through")
}
