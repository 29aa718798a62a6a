package mutate

import (
	"encoding/json"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"text/tabwriter"
	"time"
)

// Exercise is what was generated and graded for one exercise.
type Exercise struct {
	ID          string
	All         []*Mutant // every mutant generated (a sample grades fewer)
	Stats       Stats
	Results     []Result
	Equivalents map[string]Equivalent
}

// Summary is the report of a run: text and JSON are rendered from it.
type Summary struct {
	Seed       uint64            `json:"seed"`
	Sample     int               `json:"sample,omitempty"` // mutants graded per exercise; 0: all
	Workers    int               `json:"workers"`
	Started    time.Time         `json:"started"`
	DurationMS int64             `json:"duration_ms"`
	Total      Tally             `json:"total"`
	Operators  []Tally           `json:"operators"`
	Exercises  []ExerciseSummary `json:"exercises"`
}

// Tally counts mutants by outcome. Score is killed / (killed + survived), in percent,
// where survived leaves out the reviewed equivalent mutants; -1 when there is nothing
// to score.
type Tally struct {
	Operator   string  `json:"operator,omitempty"`
	Graded     int     `json:"graded"`
	Killed     int     `json:"killed"`
	Survived   int     `json:"survived"`
	Equivalent int     `json:"equivalent"`
	NotGraded  int     `json:"not_graded"` // listed: breaks only what the README does not grade
	Errors     int     `json:"errors"`
	Dropped    int     `json:"dropped"`
	Score      float64 `json:"score"`
}

func (t *Tally) add(r Result, listed bool, eq Equivalent) {
	if r.Status == NotGraded {
		return
	}
	t.Graded++
	switch r.Status {
	case Killed:
		t.Killed++
	case Survived:
		switch {
		case listed && eq.NotGraded():
			t.NotGraded++
		case listed:
			t.Equivalent++
		default:
			t.Survived++
		}
	case Errored:
		t.Errors++
	case Dropped:
		t.Dropped++
	}
}

func (t *Tally) score() {
	t.Score = -1
	if n := t.Killed + t.Survived; n > 0 {
		t.Score = 100 * float64(t.Killed) / float64(n)
	}
}

// ScoreText is the score as the report prints it.
func (t Tally) ScoreText() string {
	if t.Score < 0 {
		return "-"
	}
	return fmt.Sprintf("%.1f%%", t.Score)
}

// ExerciseSummary is one exercise's part of the report.
type ExerciseSummary struct {
	Exercise   string  `json:"exercise"`
	Generated  int     `json:"generated"`  // mutants that type-check
	Candidates int     `json:"candidates"` // proposed by the operators
	Duplicates int     `json:"duplicates"`
	Uncompiled int     `json:"uncompiled"` // did not type-check: dropped before grading
	Total      Tally   `json:"total"`
	Operators  []Tally `json:"operators"`
	// Survivors are the non-equivalent mutants with full marks: each needs a stronger
	// scenario or a reviewed line in the equivalent list.
	Survivors []MutantSummary `json:"survivors"`
	Errors    []MutantSummary `json:"errors"`
	// ListedButKilled are in the equivalent list yet were killed: the list is wrong.
	ListedButKilled []MutantSummary `json:"listed_but_killed,omitempty"`
	// Stale are listed as equivalent but no longer generated.
	Stale   []Equivalent    `json:"stale,omitempty"`
	Mutants []MutantSummary `json:"mutants"`
}

// MutantSummary is one graded mutant.
type MutantSummary struct {
	ID         string   `json:"id"`
	Operator   string   `json:"operator"`
	File       string   `json:"file"`
	Line       int      `json:"line"`
	Col        int      `json:"col"`
	Mutated    string   `json:"mutated_line"`
	Status     Status   `json:"status"`
	Failed     []string `json:"failed,omitempty"`
	Errors     []string `json:"errors,omitempty"`
	Detail     string   `json:"detail,omitempty"`
	Evidence   []string `json:"evidence,omitempty"`   // per failed criterion: what was observed
	Equivalent string   `json:"equivalent,omitempty"` // the reviewed reason
	DurationMS int64    `json:"duration_ms"`
	Diff       string   `json:"diff"`
}

// Stale returns the reviewed entries whose mutant is no longer among all (an edit moved
// or changed its line), by ID: they excuse nothing any more.
func Stale(all []*Mutant, eqs map[string]Equivalent) []Equivalent {
	generated := map[string]bool{}
	for _, m := range all {
		generated[m.ID] = true
	}
	var out []Equivalent
	for id, eq := range eqs {
		if !generated[id] {
			out = append(out, eq)
		}
	}
	sort.Slice(out, func(i, j int) bool { return out[i].ID < out[j].ID })
	return out
}

// Summarize tallies the results of each exercise, per operator and in total.
func Summarize(exs []Exercise, seed uint64, sample, workers int, started time.Time) *Summary {
	s := &Summary{Seed: seed, Sample: sample, Workers: workers, Started: started, DurationMS: time.Since(started).Milliseconds()}
	byOp := map[Operator]*Tally{}
	for _, ex := range exs {
		es := ExerciseSummary{Exercise: ex.ID, Generated: len(ex.All), Candidates: ex.Stats.Candidates, Duplicates: ex.Stats.Duplicates, Uncompiled: ex.Stats.Dropped}
		ops := map[Operator]*Tally{}
		for _, r := range ex.Results {
			if r.Status == NotGraded {
				continue
			}
			eq, listed := ex.Equivalents[r.Mutant.ID]
			ms := MutantSummary{
				ID: r.Mutant.ID, Operator: r.Mutant.Operator.String(), File: r.Mutant.File, Line: r.Mutant.Line, Col: r.Mutant.Col,
				Mutated: r.Mutant.Line0, Status: r.Status, Failed: r.Failed, Errors: r.Errors, Detail: firstLines(r.Detail, 3), Evidence: r.Evidence,
				DurationMS: r.Duration.Milliseconds(), Diff: r.Mutant.Diff,
			}
			if listed {
				ms.Equivalent = eq.Why
			}
			for _, t := range []map[Operator]*Tally{ops, byOp} {
				if t[r.Mutant.Operator] == nil {
					t[r.Mutant.Operator] = &Tally{Operator: r.Mutant.Operator.String()}
				}
				t[r.Mutant.Operator].add(r, listed, eq)
			}
			es.Total.add(r, listed, eq)
			s.Total.add(r, listed, eq)
			switch {
			case r.Status == Survived && !listed:
				es.Survivors = append(es.Survivors, ms)
			case r.Status == Errored:
				es.Errors = append(es.Errors, ms)
			case r.Status == Killed && listed:
				es.ListedButKilled = append(es.ListedButKilled, ms)
			}
			es.Mutants = append(es.Mutants, ms)
		}
		es.Stale = Stale(ex.All, ex.Equivalents)
		es.Total.score()
		es.Operators = tallies(ops)
		s.Exercises = append(s.Exercises, es)
	}
	s.Total.score()
	s.Operators = tallies(byOp)
	return s
}

func tallies(m map[Operator]*Tally) []Tally {
	var out []Tally
	for _, op := range Operators {
		if t := m[op]; t != nil {
			t.score()
			out = append(out, *t)
		}
	}
	return out
}

func firstLines(s string, n int) string {
	lines := strings.SplitN(strings.TrimSpace(s), "\n", n+1)
	if len(lines) > n {
		lines = append(lines[:n], "...")
	}
	return strings.Join(lines, "\n")
}

// WriteJSON writes the summary to dir/mutants.json.
func (s *Summary) WriteJSON(dir string) (string, error) {
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return "", err
	}
	data, err := json.MarshalIndent(s, "", "  ")
	if err != nil {
		return "", err
	}
	path := filepath.Join(dir, "mutants.json")
	return path, os.WriteFile(path, append(data, '\n'), 0o644)
}

// WriteText writes the scores per exercise and per operator, then every survivor with
// its diff, the errors, and what is wrong with the equivalent lists.
func (s *Summary) WriteText(w io.Writer) {
	what := "every mutant"
	if s.Sample > 0 {
		what = fmt.Sprintf("a sample of %d mutants per exercise", s.Sample)
	}
	fmt.Fprintf(w, "mutation score (seed %d, %s, %d workers, %s)\n\n", s.Seed, what, s.Workers, (time.Duration(s.DurationMS) * time.Millisecond).Round(time.Second))
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', 0)
	fmt.Fprintln(tw, "exercise\tgraded\tkilled\tsurvived\tequivalent\tnot graded\terror\tdropped\tuncompiled\tscore")
	for _, e := range s.Exercises {
		t := e.Total
		fmt.Fprintf(tw, "%s\t%d\t%d\t%d\t%d\t%d\t%d\t%d\t%d\t%s\n", e.Exercise, t.Graded, t.Killed, t.Survived, t.Equivalent, t.NotGraded, t.Errors, t.Dropped, e.Uncompiled, t.ScoreText())
	}
	t := s.Total
	fmt.Fprintf(tw, "all\t%d\t%d\t%d\t%d\t%d\t%d\t%d\t\t%s\n", t.Graded, t.Killed, t.Survived, t.Equivalent, t.NotGraded, t.Errors, t.Dropped, t.ScoreText())
	tw.Flush()

	fmt.Fprintln(w, "\nper operator: score (killed/scored)")
	header := "operator"
	for _, e := range s.Exercises {
		header += "\t" + e.Exercise
	}
	fmt.Fprintln(tw, header+"\tall")
	for _, all := range s.Operators {
		row := all.Operator
		for _, e := range s.Exercises {
			cell := ""
			for _, t := range e.Operators {
				if t.Operator == all.Operator {
					cell = cellText(t)
				}
			}
			row += "\t" + cell
		}
		fmt.Fprintln(tw, row+"\t"+cellText(all))
	}
	tw.Flush()

	for _, e := range s.Exercises {
		if len(e.Survivors)+len(e.Errors)+len(e.ListedButKilled)+len(e.Stale) == 0 {
			continue
		}
		fmt.Fprintf(w, "\n== %s\n", e.Exercise)
		for _, m := range e.Survivors {
			fmt.Fprintf(w, "\nSURVIVED %s\n  %s\n%s", m.ID, m.Mutated, indent(m.Diff))
		}
		for _, m := range e.Errors {
			fmt.Fprintf(w, "\nERROR %s (%s)\n  %s\n%s", m.ID, strings.Join(m.Errors, ", "), m.Mutated, indent(m.Detail+"\n"))
		}
		for _, m := range e.ListedButKilled {
			fmt.Fprintf(w, "\nLISTED AS EQUIVALENT BUT KILLED %s (%s)\n", m.ID, strings.Join(m.Failed, ", "))
		}
		for _, eq := range e.Stale {
			fmt.Fprintf(w, "\nSTALE equivalent %s: no such mutant any more\n", eq.ID)
		}
	}
}

func cellText(t Tally) string {
	if t.Killed+t.Survived == 0 {
		return fmt.Sprintf("- (%d)", t.Graded)
	}
	return fmt.Sprintf("%s (%d/%d)", t.ScoreText(), t.Killed, t.Killed+t.Survived)
}

func indent(s string) string {
	var b strings.Builder
	for _, line := range strings.SplitAfter(s, "\n") {
		if line != "" {
			b.WriteString("    " + line)
		}
	}
	return b.String()
}
