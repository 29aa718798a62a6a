package selftest

import (
	"fmt"
	"io"
	"strings"

	"idempotency/grader"
)

// Verdict summarises a self-test run.
type Verdict struct {
	// Mismatches are cells whose observed status differs from the expected one.
	Mismatches []string
	// GraderBugs are criteria that did not pass on their reference solution: a grader
	// bug, never counted as a kill.
	GraderBugs []string
	// Kills counts, per exercise and criterion, the broken copies that killed it.
	Kills map[string]map[string]int
}

// OK reports whether every cell matched and no criterion failed its reference solution.
func (v Verdict) OK() bool { return len(v.Mismatches) == 0 && len(v.GraderBugs) == 0 }

// Judge compares every result with its case's expectations.
func Judge(results []Result) Verdict {
	v := Verdict{Kills: map[string]map[string]int{}}
	bug := map[string]bool{}
	for _, r := range results {
		if r.Case.Kind != Solution {
			continue
		}
		if r.Report.MaxScore != 100 {
			v.GraderBugs = append(v.GraderBugs, fmt.Sprintf("%s: the scored criteria add up to %d points, not 100", r.Case.Exercise.ID, r.Report.MaxScore))
		}
		for _, c := range r.Report.Criteria {
			if c.Status != grader.StatusPass {
				key := r.Case.Exercise.ID + "/" + c.ID
				bug[key] = true
				v.GraderBugs = append(v.GraderBugs, fmt.Sprintf("%s: %s on the reference solution (seed %d): %s", key, c.Status, r.Seed, firstLine(c.Evidence)))
			}
		}
	}
	for _, r := range results {
		ex := r.Case.Exercise.ID
		if v.Kills[ex] == nil {
			v.Kills[ex] = map[string]int{}
		}
		for _, c := range r.Report.Criteria {
			want := r.Case.Expected(c.ID)
			if r.Case.Kind == Copy && want == grader.StatusFail && c.Status == grader.StatusFail && !bug[ex+"/"+c.ID] {
				v.Kills[ex][c.ID]++
			}
			if r.Case.Kind == Copy && c.Status == grader.StatusFail && (c.Expected == "" || c.Observed == "" || c.Hint == "") {
				v.Mismatches = append(v.Mismatches, fmt.Sprintf("%s %s (seed %d): %s failed without saying what was expected, what was observed and a hint",
					ex, r.Case.Name, r.Seed, c.ID))
			}
			if r.Case.Kind == Copy && c.Status == grader.StatusFail {
				for _, phrase := range r.Case.Broken.Explains[c.ID] {
					if !strings.Contains(c.Evidence+"\n"+c.Hint, phrase) {
						v.Mismatches = append(v.Mismatches, fmt.Sprintf("%s %s (seed %d): %s does not name its cause: evidence and hint lack %q",
							ex, r.Case.Name, r.Seed, c.ID, phrase))
					}
				}
			}
			// The stub as shipped fails every criterion because a handler says it is not
			// implemented, and the learner reads that, not some other cause.
			if r.Case.Kind == Stub && c.Status == grader.StatusFail && !strings.Contains(c.Evidence, "not implemented") {
				v.Mismatches = append(v.Mismatches, fmt.Sprintf("%s stub (seed %d): %s fails without saying a handler is not implemented: %s",
					ex, r.Seed, c.ID, firstLine(c.Evidence)))
			}
			if c.Status != want && r.Case.Kind != Solution {
				v.Mismatches = append(v.Mismatches, fmt.Sprintf("%s %s (seed %d): %s expected %s, observed %s: %s",
					ex, r.Case.Name, r.Seed, c.ID, want, c.Status, firstLine(c.Evidence)))
			}
		}
	}
	return v
}

// WriteMatrix prints the kill matrix: a row per graded case, a column per criterion,
// each cell the observed verdict, marked when it differs from the expected one.
func WriteMatrix(w io.Writer, results []Result, v Verdict) {
	var b strings.Builder
	var current string
	for _, r := range results {
		ex := r.Case.Exercise
		if ex.ID != current {
			current = ex.ID
			fmt.Fprintf(&b, "\n%s  %s\n", ex.ID, ex.Title)
			for i, s := range ex.Scenarios {
				bonus := ""
				if s.Bonus {
					bonus = " (bonus)"
				}
				fmt.Fprintf(&b, "  c%d = %s%s: killed by %d broken copies\n", i+1, s.ID, bonus, v.Kills[ex.ID][s.ID])
			}
			fmt.Fprintf(&b, "  %-30s", "")
			for i := range ex.Scenarios {
				fmt.Fprintf(&b, " %-4s", fmt.Sprintf("c%d", i+1))
			}
			b.WriteString("\n")
		}
		fmt.Fprintf(&b, "  %-30s", r.Case.Name)
		for _, c := range r.Report.Criteria {
			fmt.Fprintf(&b, " %-4s", cell(r.Case.Expected(c.ID), c.Status))
		}
		b.WriteString("\n")
	}
	b.WriteString("\nlegend: . pass  x fail  e error, as expected;  !x observed fail where pass was expected (and so on)\n")
	for _, g := range v.GraderBugs {
		fmt.Fprintf(&b, "GRADER BUG %s\n", g)
	}
	for _, m := range v.Mismatches {
		fmt.Fprintf(&b, "MISMATCH %s\n", m)
	}
	if v.OK() {
		b.WriteString("self-test: every cell as expected\n")
	}
	_, _ = io.WriteString(w, b.String())
}

func cell(want, got grader.Status) string {
	sym := map[grader.Status]string{grader.StatusPass: ".", grader.StatusFail: "x", grader.StatusError: "e"}[got]
	if want != got {
		return "!" + sym
	}
	return sym
}

func firstLine(s string) string {
	if i := strings.IndexByte(s, '\n'); i >= 0 {
		return s[:i]
	}
	return s
}
