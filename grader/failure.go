package grader

import (
	"fmt"
	"strings"
)

// Failure is a finding against the submission: what the scenario sent, what it expected,
// and what it observed instead. Scenarios return it; anything else they return is a
// harness error, which never costs the learner points.
type Failure struct {
	Sent     string
	Expected string
	Observed string
	// Hint overrides the criterion's hint when this particular failure has a more
	// precise one.
	Hint string
}

func (f *Failure) Error() string {
	return fmt.Sprintf("sent %s; expected %s; observed %s", f.Sent, f.Expected, f.Observed)
}

// Evidence renders the failure for a report.
func (f *Failure) Evidence() string {
	var b strings.Builder
	fmt.Fprintf(&b, "sent:     %s\n", f.Sent)
	fmt.Fprintf(&b, "expected: %s\n", f.Expected)
	fmt.Fprintf(&b, "observed: %s", f.Observed)
	return b.String()
}

// Fail builds a Failure; observed is formatted with args.
func Fail(sent, expected, observed string, args ...any) *Failure {
	return &Failure{Sent: sent, Expected: expected, Observed: fmt.Sprintf(observed, args...)}
}

// WithHint returns f with a hint specific to this failure.
func (f *Failure) WithHint(hint string) *Failure {
	f.Hint = hint
	return f
}
