package grader

import "time"

// Status is a criterion's outcome. Error means the grader could not judge it (a harness
// problem or a submission that does not build or start), which is never the same as fail.
type Status string

// The three outcomes of a criterion.
const (
	StatusPass  Status = "pass"
	StatusFail  Status = "fail"
	StatusError Status = "error"
)

// Report is the one model every output format is rendered from.
type Report struct {
	Exercise   string `json:"exercise"`
	Title      string `json:"title"`
	Submission string `json:"submission"` // the package graded, relative to the module
	Seed       uint64 `json:"seed"`
	Score      int    `json:"score"`
	MaxScore   int    `json:"max_score"`
	BonusScore int    `json:"bonus_score"`
	BonusMax   int    `json:"bonus_max"`
	DurationMS int64  `json:"duration_ms"`
	Runtime    string `json:"runtime,omitempty"` // native, container or external
	// Error says why the grader could not judge, when it could not.
	Error    string            `json:"error,omitempty"`
	Timings  Timings           `json:"timings_ms"`
	Criteria []CriterionResult `json:"criteria"`
}

// Timings splits a run's wall time (milliseconds).
type Timings struct {
	Build     int64 `json:"build"`
	Server    int64 `json:"server_ready"`
	Service   int64 `json:"service_ready"`
	Scenarios int64 `json:"scenarios"`
}

// CriterionResult is the verdict on one criterion.
type CriterionResult struct {
	ID        string `json:"id"`
	Title     string `json:"title"`
	Status    Status `json:"status"`
	Points    int    `json:"points"`
	MaxPoints int    `json:"max_points"`
	Bonus     bool   `json:"bonus"`
	// Evidence is what was sent, expected and observed (fail), the error (error), or
	// what was checked (pass).
	Evidence string   `json:"evidence"`
	Hint     string   `json:"hint"`
	Sent     string   `json:"sent,omitempty"`
	Expected string   `json:"expected,omitempty"`
	Observed string   `json:"observed,omitempty"`
	Checked  []string `json:"checked,omitempty"`
	// Timeline shows what Restate did in the invocations that decided a failure.
	Timeline *Timeline `json:"timeline,omitempty"`
	// DurationMS is how long the scenario took from the start of its phase (the shared
	// scenarios start together, each exclusive one alone) to its verdict, the restart
	// for its read-backs included. It is for profiling a grading, never part of a verdict.
	DurationMS int64 `json:"duration_ms,omitempty"`
}

// Exit codes of a grading run.
const (
	ExitPass    = 0 // every scored criterion passed
	ExitFail    = 1 // some scored criterion failed
	ExitUsage   = 2
	ExitNoJudge = 3 // the grader could not judge (build, server or harness failure)
)

// ExitCode maps the report to the process exit status.
func (r *Report) ExitCode() int {
	code := ExitPass
	for _, c := range r.Criteria {
		switch {
		case c.Status == StatusError:
			return ExitNoJudge
		case c.Status == StatusFail && !c.Bonus:
			code = ExitFail
		}
	}
	return code
}

func newReport(ex Exercise, submission string, seed uint64) *Report {
	r := &Report{Exercise: ex.ID, Title: ex.Title, Submission: submission, Seed: seed}
	r.MaxScore, r.BonusMax = ex.MaxScore()
	for _, s := range ex.Scenarios {
		r.Criteria = append(r.Criteria, CriterionResult{ID: s.ID, Title: s.Title, MaxPoints: s.Points, Bonus: s.Bonus, Hint: s.Hint})
	}
	return r
}

// judgeAll gives every criterion the same verdict: a submission that does not build,
// a server that does not start.
func (r *Report) judgeAll(st Status, evidence string) {
	for i := range r.Criteria {
		r.Criteria[i].Status = st
		r.Criteria[i].Evidence = evidence
	}
}

func (r *Report) total(start time.Time) {
	r.Score, r.BonusScore = 0, 0
	for i := range r.Criteria {
		c := &r.Criteria[i]
		c.Points = 0
		if c.Status == StatusPass {
			c.Points = c.MaxPoints
		}
		if c.Bonus {
			r.BonusScore += c.Points
		} else {
			r.Score += c.Points
		}
	}
	r.DurationMS = time.Since(start).Milliseconds()
}
