package classreport

import (
	"encoding/csv"
	"io"
	"strconv"
)

// CSV writes the gradebook: a row per submission, a column per criterion (points; a
// criterion that could not be judged is empty), then per exercise its total, bonus and
// status, then the learner's totals.
func (c *Class) CSV(w io.Writer) error {
	cw := csv.NewWriter(w)
	head := []string{"learner"}
	for _, ex := range c.Exercises {
		for _, cr := range c.Criteria[ex] {
			head = append(head, ex+":"+cr.ID)
		}
		head = append(head, ex+":total", ex+":bonus", ex+":status")
	}
	head = append(head, "total", "bonus", "max")
	if err := cw.Write(head); err != nil {
		return err
	}
	for _, l := range c.Learners {
		row := []string{l.Name}
		for _, ex := range c.Exercises {
			r, ok := l.Result(ex)
			points := map[string]string{}
			if ok && r.Report != nil {
				for _, cr := range r.Report.Criteria {
					if cr.Status != "error" {
						points[cr.ID] = strconv.Itoa(cr.Points)
					}
				}
			}
			for _, cr := range c.Criteria[ex] {
				row = append(row, points[cr.ID])
			}
			total, bonus := "0", "0"
			if ok && r.Report != nil {
				total, bonus = strconv.Itoa(r.Report.Score), strconv.Itoa(r.Report.BonusScore)
			}
			status := "error"
			if ok {
				status = r.Status()
			}
			row = append(row, total, bonus, status)
		}
		score, bonus, _ := l.Totals()
		row = append(row, strconv.Itoa(score), strconv.Itoa(bonus), strconv.Itoa(c.MaxScore()))
		if err := cw.Write(row); err != nil {
			return err
		}
	}
	cw.Flush()
	return cw.Error()
}

// MaxScore is the scored points of every exercise of the class (bonus excluded).
func (c *Class) MaxScore() int {
	total := 0
	for _, ex := range c.Exercises {
		for _, cr := range c.Criteria[ex] {
			if !cr.Bonus {
				total += cr.Points
			}
		}
	}
	return total
}
