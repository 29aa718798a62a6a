package classreport

import (
	"fmt"
	"strings"

	"idempotency/grader"
)

// Evidence is a criterion's evidence as learners read it: what was sent, expected and
// observed, and the hint, for a failure; why it could not be judged, for an error; what
// was checked, for a pass. Never the seed.
func Evidence(c grader.CriterionResult) string {
	var b strings.Builder
	switch c.Status {
	case grader.StatusFail:
		if c.Sent != "" || c.Expected != "" || c.Observed != "" {
			fmt.Fprintf(&b, "sent:     %s\nexpected: %s\nobserved: %s\n", c.Sent, c.Expected, c.Observed)
		} else {
			fmt.Fprintf(&b, "%s\n", c.Evidence)
		}
		if c.Hint != "" {
			fmt.Fprintf(&b, "hint:     %s\n", c.Hint)
		}
	case grader.StatusError:
		fmt.Fprintf(&b, "could not judge: %s\n", c.Evidence)
	default:
		for _, s := range c.Checked {
			fmt.Fprintf(&b, "checked: %s\n", s)
		}
		if len(c.Checked) == 0 && c.Evidence != "" {
			fmt.Fprintf(&b, "%s\n", c.Evidence)
		}
	}
	return strings.TrimRight(b.String(), "\n")
}
