package ex2

import (
	"errors"
	"strings"

	"idempotency/grader"
)

const sameSteps = "Restate replays your handler on a retry and checks that it takes the same steps as the first " +
	"attempt; here the retry took another branch. Something the first attempt left outside Restate's journal " +
	"decided it: usually a Go map or variable of your process (the records, a set of handled IDs, a cache), which " +
	"the retry finds already filled, or time.Now() or math/rand. Keep state in Restate (restate.Get and restate.Set) " +
	"and take such values inside restate.Run"

// mismatchFailure turns a journal mismatch (Restate's error 570) into a finding, or
// returns nil for any other error. When the retry took another path than the first
// attempt (another kind of step, or an early return) rather than the same step with
// another value, the hint names what decides such a branch: most often state kept in
// process memory, which the engine's explanation of a mismatch does not mention.
func mismatchFailure(env *grader.Env, sent, expected string, err error) error {
	var ce *grader.CallError
	if !errors.As(err, &ce) || !ce.IsMismatch() {
		return nil
	}
	var f *grader.Failure
	if !errors.As(env.Unexpected(sent, expected, err), &f) {
		return nil
	}
	if otherBranch(ce) {
		f.Hint = sameSteps
	}
	return f
}

// otherBranch reports whether a mismatch is between two kinds of step ("the previous
// execution ran and recorded the following: 'run' ... the current execution attempts
// to perform the following: 'handler return'").
func otherBranch(ce *grader.CallError) bool {
	return strings.Contains(ce.Message, "recorded the following")
}
