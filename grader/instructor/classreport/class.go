// Package classreport is the report of a whole class: one grader.Report per learner and
// exercise, and every format an instructor's tools read, rendered from it (gradebook CSV,
// JSON, JUnit XML, Gradescope results.json, GitHub Classroom runner results, HTML).
package classreport

import (
	"encoding/json"
	"fmt"
	"io"
	"sort"

	"idempotency/grader"
	"idempotency/grader/instructor/compare"
)

// Class is the one model every class format is rendered from.
type Class struct {
	// Seed is the instructor's seed: instructor outputs print it, learner outputs never do.
	Seed      uint64   `json:"seed"`
	Exercises []string `json:"exercises"`
	// Criteria lists each exercise's criteria in report order (the gradebook's columns).
	Criteria map[string][]Criterion `json:"criteria"`
	// Shard is "i/n" when this is one shard of a class, empty for a whole class.
	Shard      string    `json:"shard,omitempty"`
	DurationMS int64     `json:"duration_ms"`
	Learners   []Learner `json:"learners"`
	// Reference holds the reference solution's report per exercise, same seed, when the
	// batch compared.
	Reference map[string]*grader.Report `json:"reference,omitempty"`
}

// Criterion is one gradebook column.
type Criterion struct {
	ID     string `json:"id"`
	Title  string `json:"title"`
	Points int    `json:"points"`
	Bonus  bool   `json:"bonus"`
}

// Learner is one submission.
type Learner struct {
	Name    string   `json:"name"`
	Results []Result `json:"results"` // in the order of Class.Exercises
}

// Result is one exercise of one learner.
type Result struct {
	Exercise string `json:"exercise"`
	// Missing says the submission has no folder for this exercise: every criterion fails.
	Missing bool           `json:"missing,omitempty"`
	Report  *grader.Report `json:"report"`
	// Diff is where the observations differ from the reference solution's (compare).
	Diff []compare.Difference `json:"diff,omitempty"`
}

// New starts a class report for these exercises.
func New(seed uint64, exs []grader.Exercise) *Class {
	c := &Class{Seed: seed, Criteria: map[string][]Criterion{}}
	for _, ex := range exs {
		c.Exercises = append(c.Exercises, ex.ID)
		for _, s := range ex.Scenarios {
			c.Criteria[ex.ID] = append(c.Criteria[ex.ID], Criterion{ID: s.ID, Title: s.Title, Points: s.Points, Bonus: s.Bonus})
		}
	}
	return c
}

// Sort orders learners by name, so that shards merge into the same file as one run.
func (c *Class) Sort() {
	sort.Slice(c.Learners, func(i, j int) bool { return c.Learners[i].Name < c.Learners[j].Name })
}

// Result finds a learner's result for an exercise.
func (l Learner) Result(ex string) (Result, bool) {
	for _, r := range l.Results {
		if r.Exercise == ex {
			return r, true
		}
	}
	return Result{}, false
}

// Totals adds up a learner's scored and bonus points and the maximum.
func (l Learner) Totals() (score, bonus, max int) {
	for _, r := range l.Results {
		if r.Report == nil {
			continue
		}
		score += r.Report.Score
		bonus += r.Report.BonusScore
		max += r.Report.MaxScore
	}
	return score, bonus, max
}

// Status sums up a result: pass (full marks), fail, error (could not judge) or missing.
func (r Result) Status() string {
	switch {
	case r.Missing:
		return "missing"
	case r.Report == nil:
		return "error"
	}
	switch r.Report.ExitCode() {
	case grader.ExitPass:
		return "pass"
	case grader.ExitFail:
		return "fail"
	}
	return "error"
}

// WriteJSON writes the class as indented JSON (the instructor's file, and what merge reads).
func (c *Class) WriteJSON(w io.Writer) error {
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	return enc.Encode(c)
}

// ReadJSON reads a class written by WriteJSON.
func ReadJSON(r io.Reader) (*Class, error) {
	var c Class
	if err := json.NewDecoder(r).Decode(&c); err != nil {
		return nil, fmt.Errorf("read class report: %w", err)
	}
	if c.Criteria == nil {
		return nil, fmt.Errorf("read class report: no criteria: not a class report")
	}
	return &c, nil
}

// Merge combines shards of one class (same seed and exercises) into one report.
func Merge(shards []*Class) (*Class, error) {
	if len(shards) == 0 {
		return nil, fmt.Errorf("merge: no shards")
	}
	first := shards[0]
	out := &Class{Seed: first.Seed, Exercises: first.Exercises, Criteria: first.Criteria}
	seen := map[string]int{}
	for i, s := range shards {
		if s.Seed != first.Seed {
			return nil, fmt.Errorf("merge: shard %d has seed %d, shard 1 has %d: grade every shard with the same --seed", i+1, s.Seed, first.Seed)
		}
		if fmt.Sprint(s.Exercises) != fmt.Sprint(first.Exercises) {
			return nil, fmt.Errorf("merge: shard %d graded %v, shard 1 graded %v", i+1, s.Exercises, first.Exercises)
		}
		out.DurationMS = max(out.DurationMS, s.DurationMS)
		for ex, r := range s.Reference {
			if out.Reference == nil {
				out.Reference = map[string]*grader.Report{}
			}
			out.Reference[ex] = r
		}
		for _, l := range s.Learners {
			if j, dup := seen[l.Name]; dup {
				return nil, fmt.Errorf("merge: learner %q is in shard %d and shard %d", l.Name, j+1, i+1)
			}
			seen[l.Name] = i
			out.Learners = append(out.Learners, l)
		}
	}
	out.Sort()
	return out, nil
}
