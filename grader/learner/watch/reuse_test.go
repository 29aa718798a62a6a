package watch

import (
	"context"
	"io"
	"path/filepath"
	"testing"
	"time"

	"idempotency/grader"
	"idempotency/grader/ex1"
	"idempotency/grader/runtime"
	"idempotency/grader/selftest/gradetest"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// On a kept server, a run with a new seed touches no key of an earlier run; a run that
// repeats a seed repeats its keys, and reusedKeys finds them (the warm-up's fixed key
// is not one of them).
func TestReusedKeysFindsARepeatedSeed(t *testing.T) {
	root := gradetest.Root(t)
	ctx, cancel := context.WithTimeout(context.Background(), 3*time.Minute)
	defer cancel()
	s := &servers{ex: ex1.Exercise(), cfg: runtime.Config{Kind: runtime.Native}, progress: io.Discard, reuse: true}
	require.NoError(t, s.ensure(ctx))
	defer s.stop()
	grade := func(seed uint64) time.Time {
		began := time.Now()
		rep := grader.Grade(ctx, ex1.Exercise(), grader.Options{
			Dir: filepath.Join(root, "solutions/ex1"), Root: root, Seed: seed, Runtime: s.external(),
		})
		require.Empty(t, rep.Error)
		return began
	}
	grade(101)
	reused, err := s.reusedKeys(ctx, grade(202))
	require.NoError(t, err)
	assert.Empty(t, reused, "a new seed, new keys")

	reused, err = s.reusedKeys(ctx, grade(101))
	require.NoError(t, err)
	assert.NotEmpty(t, reused, "the same seed repeats the keys")
	for _, k := range reused {
		assert.NotContains(t, k, "warm-up")
		assert.Contains(t, k, "OrderService/ord-")
	}
}

func TestDiff(t *testing.T) {
	rep := func(score int, errMsg string, st ...grader.Status) *grader.Report {
		r := &grader.Report{Score: score, Error: errMsg}
		for i, s := range st {
			id := string(rune('a' + i))
			r.Criteria = append(r.Criteria, grader.CriterionResult{ID: id, Title: "criterion " + id, Status: s})
		}
		return r
	}
	pass, fail, errS := grader.StatusPass, grader.StatusFail, grader.StatusError

	first := diff(nil, rep(25, "", pass, fail))
	assert.True(t, first.First)
	assert.Equal(t, "b", first.StillFailingID)
	assert.Empty(t, first.String())

	ch := diff(rep(25, "", pass, fail, fail), rep(50, "", fail, pass, pass))
	assert.Equal(t, []string{"criterion b", "criterion c"}, ch.NowPassing)
	assert.Equal(t, []string{"criterion a"}, ch.NowFailing)
	assert.Equal(t, "Since the last run: score 25 -> 50\n  + now passing: criterion b\n  + now passing: criterion c\n  - now failing: criterion a", ch.String())

	same := diff(rep(25, "", pass, fail), rep(25, "", pass, fail))
	assert.Contains(t, same.String(), "no criterion changed")

	broken := diff(rep(25, "", pass, fail), rep(0, "your code does not compile", errS, errS))
	assert.True(t, broken.NotJudged)
	assert.Empty(t, broken.NowFailing, "a compile error is not a criterion that now fails")
	assert.Contains(t, broken.String(), "could not judge")
}
