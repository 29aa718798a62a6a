package classreport

import (
	_ "embed"
	"fmt"
	"html/template"
	"io"
	"path/filepath"
	"sort"
	"time"

	"idempotency/grader"
	"idempotency/grader/instructor/compare"
)

//go:embed report.html.tmpl
var htmlTemplate string

var page = template.Must(template.New("report").Parse(htmlTemplate))

// HTML writes the static class report: a submission-by-criterion grid, the most common
// failure per criterion with an example of its evidence, and, when the batch compared,
// how each submission's observations differ from the reference solution's.
func (c *Class) HTML(w io.Writer) error {
	return page.Execute(w, c.htmlView())
}

type htmlView struct {
	Seed      uint64
	Shard     string
	Duration  string
	Learners  int
	MaxScore  int
	Compare   bool
	Exercises []htmlExercise
	Rows      []htmlRow
	Common    []htmlCommon
	Diffs     []htmlDiff
}

type htmlExercise struct {
	ID       string
	Criteria []Criterion
	Span     int
}

type htmlRow struct {
	Learner string
	Cells   []htmlCell
	Total   int
	Bonus   int
}

type htmlCell struct {
	Class string // pass, fail, error, missing, total, diff, same
	Text  string
	Title string
	// Link is the learner's run page at the criterion (failed cells: its timelines).
	Link string
}

type htmlCommon struct {
	Exercise, Criterion, Title string
	Failed, Graded             int
	Pattern                    string
	Same                       int
	Example                    string
	Evidence                   string
}

type htmlDiff struct {
	Learner, Exercise string
	Differences       []compare.Difference
}

// pattern is a failure's observation with the generated values blanked (see shape), so
// that the same mistake made with different generated inputs counts once.
func pattern(cr grader.CriterionResult) string {
	s := cr.Observed
	if s == "" {
		s = firstLine(cr.Evidence)
	}
	return shape(s)
}

func (c *Class) htmlView() htmlView {
	v := htmlView{Seed: c.Seed, Shard: c.Shard, Learners: len(c.Learners), MaxScore: c.MaxScore(), Compare: c.Reference != nil,
		Duration: (time.Duration(c.DurationMS) * time.Millisecond).Round(time.Second).String()}
	for _, ex := range c.Exercises {
		e := htmlExercise{ID: ex, Criteria: c.Criteria[ex], Span: len(c.Criteria[ex]) + 1}
		if v.Compare {
			e.Span++
		}
		v.Exercises = append(v.Exercises, e)
	}
	type agg struct {
		failed, graded int
		byPattern      map[string][]string // pattern -> learners
		evidence       map[string]string   // pattern -> first evidence
	}
	aggs := map[string]*agg{}
	names := fileNames(c)
	for _, l := range c.Learners {
		row := htmlRow{Learner: l.Name}
		row.Total, row.Bonus, _ = l.Totals()
		for _, ex := range c.Exercises {
			r, ok := l.Result(ex)
			byID := map[string]grader.CriterionResult{}
			if ok && r.Report != nil {
				for _, cr := range r.Report.Criteria {
					byID[cr.ID] = cr
				}
			}
			for _, crit := range c.Criteria[ex] {
				cr, has := byID[crit.ID]
				cell := htmlCell{Class: "error", Text: "!", Title: "not graded"}
				switch {
				case ok && r.Missing:
					cell = htmlCell{Class: "missing", Text: "–", Title: "no exercises/" + ex + " folder"}
				case has && cr.Status == grader.StatusPass:
					cell = htmlCell{Class: "pass", Text: "✓", Title: fmt.Sprintf("%s: pass (%d/%d)", crit.ID, cr.Points, cr.MaxPoints)}
				case has && cr.Status == grader.StatusFail:
					cell = htmlCell{Class: "fail", Text: "✗", Title: crit.ID + ": fail\n" + Evidence(cr),
						Link: filepath.ToSlash(runPath(names[l.Name], ex)) + "#" + crit.ID}
				case has:
					cell = htmlCell{Class: "error", Text: "!", Title: crit.ID + ": could not judge\n" + firstLine(cr.Evidence)}
				}
				row.Cells = append(row.Cells, cell)
				key := ex + "/" + crit.ID
				if aggs[key] == nil {
					aggs[key] = &agg{byPattern: map[string][]string{}, evidence: map[string]string{}}
				}
				a := aggs[key]
				if has && !r.Missing {
					a.graded++
				}
				if has && !r.Missing && cr.Status == grader.StatusFail {
					a.failed++
					p := pattern(cr)
					a.byPattern[p] = append(a.byPattern[p], l.Name)
					if a.evidence[p] == "" {
						a.evidence[p] = Evidence(cr)
					}
				}
			}
			total := htmlCell{Class: "total", Text: "–"}
			if ok && r.Report != nil && !r.Missing {
				total.Text = fmt.Sprintf("%d", r.Report.Score)
				if r.Status() == "error" {
					total.Class, total.Title = "total error", firstLine(r.Report.Error)
				}
			}
			row.Cells = append(row.Cells, total)
			if v.Compare {
				d := htmlCell{Class: "same", Text: "="}
				if ok && !r.Missing {
					if n := compare.Criteria(r.Diff); n > 0 {
						d = htmlCell{Class: "diff", Text: fmt.Sprintf("%d≠", n), Title: fmt.Sprintf("%d criteria observed differently from the reference", n)}
						v.Diffs = append(v.Diffs, htmlDiff{Learner: l.Name, Exercise: ex, Differences: r.Diff})
					}
				} else {
					d.Text = "–"
				}
				row.Cells = append(row.Cells, d)
			}
		}
		v.Rows = append(v.Rows, row)
	}
	for _, ex := range c.Exercises {
		for _, crit := range c.Criteria[ex] {
			a := aggs[ex+"/"+crit.ID]
			if a == nil || a.failed == 0 {
				continue
			}
			var best string
			for p, ls := range a.byPattern {
				if best == "" || len(ls) > len(a.byPattern[best]) || (len(ls) == len(a.byPattern[best]) && p < best) {
					best = p
				}
			}
			v.Common = append(v.Common, htmlCommon{
				Exercise: ex, Criterion: crit.ID, Title: crit.Title, Failed: a.failed, Graded: a.graded,
				Pattern: best, Same: len(a.byPattern[best]), Example: a.byPattern[best][0], Evidence: a.evidence[best],
			})
		}
	}
	sort.SliceStable(v.Common, func(i, j int) bool { return v.Common[i].Failed > v.Common[j].Failed })
	return v
}
