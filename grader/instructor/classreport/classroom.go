package classreport

import (
	"encoding/base64"
	"encoding/json"
	"fmt"
	"io"
)

// Classroom is the result of one runner as GitHub Classroom's autograding-grading-reporter
// reads it: the `result` output of autograding-command-grader, base64 of this JSON,
// handed to the reporter as env <RUNNER>_RESULTS.
type Classroom struct {
	Version  int             `json:"version"`
	Status   string          `json:"status"` // pass, fail or error
	MaxScore int             `json:"max_score"`
	Tests    []ClassroomTest `json:"tests"`
}

// ClassroomTest is one criterion.
type ClassroomTest struct {
	Name     string `json:"name"`
	Status   string `json:"status"` // pass, fail or error
	Score    int    `json:"score"`
	Message  string `json:"message"`
	TestCode string `json:"test_code"`
	Filename string `json:"filename"`
	LineNo   int    `json:"line_no"`
	Duration int64  `json:"duration"` // milliseconds
}

// Classroom renders one learner's results as one runner. Bonus criteria are extra points
// beyond max_score, which the reporter adds to the total.
func (c *Class) Classroom(l Learner) Classroom {
	out := Classroom{Version: 1, Status: "pass", Tests: []ClassroomTest{}}
	for _, r := range l.Results {
		if r.Report == nil {
			continue
		}
		out.MaxScore += r.Report.MaxScore
		for _, cr := range r.Report.Criteria {
			t := ClassroomTest{
				Name:     fmt.Sprintf("%s %s: %s", r.Exercise, cr.ID, cr.Title),
				Status:   string(cr.Status),
				Score:    cr.Points,
				TestCode: fmt.Sprintf("go run ./cmd/grade %s", r.Exercise),
				Filename: "exercises/" + r.Exercise,
			}
			if cr.Bonus {
				t.Name = "(bonus) " + t.Name
			}
			if cr.Status != "pass" {
				t.Message = Evidence(cr)
			}
			switch {
			case cr.Status == "error":
				out.Status = "error"
			case cr.Status == "fail" && !cr.Bonus && out.Status == "pass":
				out.Status = "fail"
			}
			out.Tests = append(out.Tests, t)
		}
	}
	return out
}

// WriteClassroom writes one learner's runner result, base64 encoded as the reporter
// expects it in <RUNNER>_RESULTS.
func (c *Class) WriteClassroom(w io.Writer, l Learner) error {
	b, err := json.Marshal(c.Classroom(l))
	if err != nil {
		return err
	}
	_, err = io.WriteString(w, base64.StdEncoding.EncodeToString(b))
	return err
}
