// Package compare sets a submission's report beside the reference solution's, graded
// with the same seed, and lists where the observations differ, criterion by criterion.
package compare

import (
	"strings"

	"idempotency/grader"
)

// Difference is one observation that differs between the submission and the reference.
type Difference struct {
	Criterion  string `json:"criterion"`
	Field      string `json:"field"` // status, sent, expected, observed, checked, error
	Submission string `json:"submission"`
	Reference  string `json:"reference"`
}

// Reports lists the differences between sub and ref (same exercise, same seed), in the
// order of the criteria. Identical observations give none.
func Reports(sub, ref *grader.Report) []Difference {
	var out []Difference
	if sub == nil || ref == nil {
		return nil
	}
	if sub.Error != ref.Error {
		out = append(out, Difference{Criterion: "*", Field: "error", Submission: sub.Error, Reference: ref.Error})
	}
	refs := map[string]grader.CriterionResult{}
	for _, c := range ref.Criteria {
		refs[c.ID] = c
	}
	for _, s := range sub.Criteria {
		r, ok := refs[s.ID]
		if !ok {
			continue
		}
		add := func(field, a, b string) {
			if a != b {
				out = append(out, Difference{Criterion: s.ID, Field: field, Submission: a, Reference: b})
			}
		}
		add("status", string(s.Status), string(r.Status))
		if s.Status == grader.StatusError && r.Status != grader.StatusError {
			// Nothing was observed: the evidence is why not.
			add("evidence", s.Evidence, r.Evidence)
			continue
		}
		add("sent", s.Sent, r.Sent)
		add("expected", s.Expected, r.Expected)
		add("observed", s.Observed, r.Observed)
		if ds := lines(s.Checked, r.Checked); len(ds) > 0 {
			var a, b []string
			for _, d := range ds {
				if d[0] != "" {
					a = append(a, d[0])
				}
				if d[1] != "" {
					b = append(b, d[1])
				}
			}
			out = append(out, Difference{Criterion: s.ID, Field: "checked", Submission: strings.Join(a, "\n"), Reference: strings.Join(b, "\n")})
		}
	}
	return out
}

// lines pairs the checked steps (responses, ledger counts) that differ, by position;
// Reports joins them into one difference per criterion.
func lines(a, b []string) [][2]string {
	var out [][2]string
	for i := range max(len(a), len(b)) {
		var x, y string
		if i < len(a) {
			x = a[i]
		}
		if i < len(b) {
			y = b[i]
		}
		if strings.TrimSpace(x) != strings.TrimSpace(y) {
			out = append(out, [2]string{x, y})
		}
	}
	return out
}

// Criteria counts the criteria with at least one difference.
func Criteria(ds []Difference) int {
	seen := map[string]bool{}
	for _, d := range ds {
		seen[d.Criterion] = true
	}
	return len(seen)
}
