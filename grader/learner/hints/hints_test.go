package hints_test

import (
	"strings"
	"testing"

	"idempotency/grader/ex1"
	"idempotency/grader/learner/hints"

	"github.com/stretchr/testify/assert"
)

// Every criterion of Exercise 1 has further levels, and the last names an SDK call.
func TestEveryEx1CriterionHasLevels(t *testing.T) {
	for _, s := range ex1.Exercise().Scenarios {
		levels := hints.Levels("ex1", s.ID)
		if assert.NotEmpty(t, levels, s.ID) {
			last := levels[len(levels)-1]
			assert.True(t, strings.HasPrefix(last, "SDK: "), "%s: the last level points at the SDK: %q", s.ID, last)
		}
	}
}

func TestUnknownHasNoLevels(t *testing.T) {
	assert.Nil(t, hints.Levels("ex2", "anything"))
	assert.Nil(t, hints.Levels("ex1", "no-such-criterion"))
}
