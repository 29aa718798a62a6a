package classreport

import (
	"encoding/json"
	"fmt"
	"io"
)

// Hidden says which criteria are held back until the due date in Gradescope's output.
type Hidden struct {
	All bool
	IDs map[string]bool // criterion ids
}

func (h Hidden) has(id string) bool { return h.All || h.IDs[id] }

// Gradescope is results.json as Gradescope's autograder harness reads it
// (https://gradescope-autograders.readthedocs.io/en/latest/specs/).
type Gradescope struct {
	Score         float64          `json:"score"`
	ExecutionTime float64          `json:"execution_time"` // seconds
	Output        string           `json:"output"`
	Visibility    string           `json:"visibility"`
	StdoutVis     string           `json:"stdout_visibility"`
	Tests         []GradescopeTest `json:"tests"`
}

// GradescopeTest is one criterion. Bonus criteria are extra credit: max_score 0.
type GradescopeTest struct {
	Name       string   `json:"name"`
	Number     string   `json:"number"`
	Score      float64  `json:"score"`
	MaxScore   float64  `json:"max_score"`
	Status     string   `json:"status"` // passed or failed, as Gradescope colours it
	Output     string   `json:"output"`
	Tags       []string `json:"tags"`
	Visibility string   `json:"visibility"` // visible, or after_due_date when held back
}

// Gradescope renders one learner's results (every exercise graded) as results.json.
// It carries no seed: learners read it.
func (c *Class) Gradescope(l Learner, hidden Hidden) Gradescope {
	g := Gradescope{Visibility: "visible", StdoutVis: "hidden", Tests: []GradescopeTest{}}
	var seconds float64
	var summary []string
	for i, r := range l.Results {
		if r.Report == nil {
			continue
		}
		seconds += float64(r.Report.DurationMS) / 1000
		line := fmt.Sprintf("%s %s: %d/%d", r.Exercise, r.Report.Title, r.Report.Score, r.Report.MaxScore)
		switch {
		case r.Missing:
			line += " (no exercises/" + r.Exercise + " folder in the submission)"
		case r.Report.Error != "":
			line += " (could not be judged: " + firstLine(r.Report.Error) + ")"
		}
		summary = append(summary, line)
		for j, cr := range r.Report.Criteria {
			t := GradescopeTest{
				Name:       fmt.Sprintf("%s %s: %s", r.Exercise, cr.ID, cr.Title),
				Number:     fmt.Sprintf("%d.%d", i+1, j+1),
				Score:      float64(cr.Points),
				MaxScore:   float64(cr.MaxPoints),
				Status:     "failed",
				Output:     Evidence(cr),
				Tags:       []string{r.Exercise},
				Visibility: "visible",
			}
			if cr.Status == "pass" {
				t.Status = "passed"
			}
			if cr.Bonus {
				t.MaxScore = 0
				t.Name = "(bonus) " + t.Name
				t.Tags = append(t.Tags, "bonus")
			}
			if hidden.has(cr.ID) {
				t.Visibility = "after_due_date"
			}
			g.Score += t.Score
			g.Tests = append(g.Tests, t)
		}
	}
	g.ExecutionTime = float64(int(seconds + 0.5))
	g.Output = joinLines(summary)
	return g
}

// WriteGradescope writes one learner's results.json.
func (c *Class) WriteGradescope(w io.Writer, l Learner, hidden Hidden) error {
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	return enc.Encode(c.Gradescope(l, hidden))
}
