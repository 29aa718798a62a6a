package classreport

import (
	"encoding/xml"
	"fmt"
	"io"
	"strings"
)

// JUnit XML, as CI systems read it: a testsuite per learner and exercise, a testcase per
// criterion; a failure or error carries the evidence.
type junitSuites struct {
	XMLName  xml.Name     `xml:"testsuites"`
	Name     string       `xml:"name,attr"`
	Tests    int          `xml:"tests,attr"`
	Failures int          `xml:"failures,attr"`
	Errors   int          `xml:"errors,attr"`
	Time     string       `xml:"time,attr"`
	Suites   []junitSuite `xml:"testsuite"`
}

type junitSuite struct {
	Name       string          `xml:"name,attr"`
	Tests      int             `xml:"tests,attr"`
	Failures   int             `xml:"failures,attr"`
	Errors     int             `xml:"errors,attr"`
	Skipped    int             `xml:"skipped,attr"`
	Time       string          `xml:"time,attr"`
	Properties *junitProps     `xml:"properties,omitempty"`
	Cases      []junitTestCase `xml:"testcase"`
}

type junitProps struct {
	Props []junitProp `xml:"property"`
}

type junitProp struct {
	Name  string `xml:"name,attr"`
	Value string `xml:"value,attr"`
}

type junitTestCase struct {
	Name      string        `xml:"name,attr"`
	Classname string        `xml:"classname,attr"`
	Time      string        `xml:"time,attr"`
	Failure   *junitProblem `xml:"failure,omitempty"`
	Error     *junitProblem `xml:"error,omitempty"`
	SystemOut string        `xml:"system-out,omitempty"`
}

type junitProblem struct {
	Message string `xml:"message,attr"`
	Type    string `xml:"type,attr"`
	Text    string `xml:",chardata"`
}

// JUnit writes the class as JUnit XML (an instructor format: it names the seed).
func (c *Class) JUnit(w io.Writer) error {
	root := junitSuites{Name: "idempotency grader", Time: seconds(c.DurationMS)}
	for _, l := range c.Learners {
		for _, r := range l.Results {
			if r.Report == nil {
				continue
			}
			s := junitSuite{
				Name: l.Name + "/" + r.Exercise,
				Time: seconds(r.Report.DurationMS),
				Properties: &junitProps{Props: []junitProp{
					{Name: "seed", Value: fmt.Sprint(c.Seed)},
					{Name: "score", Value: fmt.Sprintf("%d/%d", r.Report.Score, r.Report.MaxScore)},
					{Name: "bonus", Value: fmt.Sprintf("%d/%d", r.Report.BonusScore, r.Report.BonusMax)},
				}},
			}
			for _, cr := range r.Report.Criteria {
				tc := junitTestCase{Name: cr.ID, Classname: junitClass(l.Name, r.Exercise), Time: "0"}
				msg := fmt.Sprintf("%s (%d/%d points)", cr.Title, cr.Points, cr.MaxPoints)
				switch cr.Status {
				case "fail":
					tc.Failure = &junitProblem{Message: msg, Type: "fail", Text: Evidence(cr)}
					s.Failures++
				case "error":
					tc.Error = &junitProblem{Message: msg, Type: "could not judge", Text: Evidence(cr)}
					s.Errors++
				default:
					tc.SystemOut = Evidence(cr)
				}
				s.Tests++
				s.Cases = append(s.Cases, tc)
			}
			root.Tests += s.Tests
			root.Failures += s.Failures
			root.Errors += s.Errors
			root.Suites = append(root.Suites, s)
		}
	}
	if _, err := io.WriteString(w, xml.Header); err != nil {
		return err
	}
	enc := xml.NewEncoder(w)
	enc.Indent("", "  ")
	if err := enc.Encode(root); err != nil {
		return err
	}
	_, err := io.WriteString(w, "\n")
	return err
}

func junitClass(learner, ex string) string {
	return strings.NewReplacer(".", "_", " ", "_").Replace(learner) + "." + ex
}

func seconds(ms int64) string { return fmt.Sprintf("%.3f", float64(ms)/1000) }

func firstLine(s string) string {
	s, _, _ = strings.Cut(s, "\n")
	return s
}

func joinLines(lines []string) string { return strings.Join(lines, "\n") }
