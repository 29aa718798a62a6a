package selftest_test

import (
	"testing"

	"idempotency/grader/catalog"
	"idempotency/grader/selftest"
	"idempotency/grader/selftest/gradetest"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// A broken copy graded twice with the same seed gets the same verdicts, and the same
// verdicts again with another seed: inputs change with the seed, verdicts do not. (Every
// broken copy is also graded with seed 7 by its exercise's tests and seed 1 by
// `make selftest`, and both must match its declaration.)
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
			first := gradetest.Verdicts(gradetest.Grade(t, ex, b.Dir, 3, ""))
			again := gradetest.Verdicts(gradetest.Grade(t, ex, b.Dir, 3, ""))
			other := gradetest.Verdicts(gradetest.Grade(t, ex, b.Dir, 4242, ""))
			assert.Equal(t, first, again, "same seed, same verdicts")
			assert.Equal(t, first, other, "another seed, same verdicts")
		})
	}
}
