package selftest_test

import (
	"testing"

	"idempotency/grader/catalog"
	"idempotency/grader/selftest"
	"idempotency/grader/selftest/gradetest"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// A broken copy graded twice with the same seed gets the same verdicts, and they are the
// ones it declares, with another seed than `make selftest`'s (3, not 1): inputs change with
// the seed, verdicts do not. (A sample, one copy per exercise; `make selftest` grades every
// copy once, with seed 1, against the same declaration.)
func TestBrokenCopyVerdictsAreDeterministic(t *testing.T) {
	root := gradetest.Root(t)
	for _, ex := range catalog.All() {
		copies, err := selftest.LoadBroken(root, ex.ID)
		require.NoError(t, err)
		require.NotEmpty(t, copies, ex.ID)
		b := copies[len(copies)/2] // a sample: one copy per exercise
		if b.Error {
			b = copies[0]
		}
		t.Run(ex.ID+"/"+b.Name, func(t *testing.T) {
			t.Parallel()
			first := gradetest.Grade(t, ex, b.Dir, 3, "")
			gradetest.AssertLoses(t, first, b.Lose...)
			again := gradetest.Verdicts(gradetest.Grade(t, ex, b.Dir, 3, ""))
			assert.Equal(t, gradetest.Verdicts(first), again, "same seed, same verdicts")
		})
	}
}
