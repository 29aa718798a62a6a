package classreport

import (
	"testing"

	"github.com/stretchr/testify/assert"
)

func TestShapeKeepsWhatHappenedAndBlanksGeneratedValues(t *testing.T) {
	type testCase struct{ in, want string }
	for _, tc := range []testCase{
		{"answered 501 not implemented", "answered 501 not implemented"},
		{"CancelOrder answered 501 Not Implemented: CancelOrder", "CancelOrder answered 501 Not Implemented: CancelOrder"},
		{"status 409, body: conflict", "status 409, body: conflict"},
		{"404 Not Found for ord-1a2b-3c4d5e", "404 Not Found for #"},
		{"2 emails sent to ana.fox@example.com, want 1", "2 emails sent to ana.fox@example.com, want 1"},
		{"order ord-1a2b-3c4d5e total 4999, want 5099", "order # total #, want #"},
		{"charged 49.99 twice on 2026-11-27", "charged # twice on #"},
		{"invocation inv_1k2Jh4Gd93a2 retried 10 times", "invocation # retried 10 times"},
		{"item sku-01234 quantity 3", "item # quantity 3"},
		{"order number 512 on the first call, 733 on the retry", "order number # on the first call, # on the retry"},
		{"ex1 over h2c", "ex1 over h2c"},
		{"ended with error 570 (journal mismatch)", "ended with error 570 (journal mismatch)"},
		{"reservation res-00af-12bc9d released.", "reservation # released."},
	} {
		assert.Equal(t, tc.want, shape(tc.in), tc.in)
	}
}

// Two learners with the same mistake on different inputs have one pattern; a different
// status code is a different mistake.
func TestShapeGroupsTheSameMistake(t *testing.T) {
	assert.Equal(t, shape("order ord-1a2b-3c4d5e charged 1234 twice"), shape("order ord-9f8e-7d6c5b charged 8765 twice"))
	assert.NotEqual(t, shape("answered 501 not implemented"), shape("answered 500 internal server error"))
}
