package classreport

import (
	"bytes"
	"encoding/base64"
	"encoding/json"
	"encoding/xml"
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"sort"
	"testing"

	"idempotency/grader"
	"idempotency/grader/instructor/compare"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

var update = flag.Bool("update", false, "rewrite the golden files")

// sampleClass is a fixed class: full marks, a failure with evidence, a submission that
// does not compile, a missing exercise.
func sampleClass() *Class {
	criteria := []grader.CriterionResult{
		{ID: "duplicate-create", Title: "Duplicate CreateOrder returns same order", MaxPoints: 50, Hint: "store the order"},
		{ID: "cancel-once", Title: "Cannot cancel twice", MaxPoints: 50, Hint: "check the status first"},
		{ID: "update-order", Title: "UpdateOrder only while pending", MaxPoints: 10, Bonus: true},
	}
	report := func(st ...grader.Status) *grader.Report {
		r := &grader.Report{Exercise: "ex1", Title: "Idempotent Order Service", Seed: 4242, MaxScore: 100, BonusMax: 10, DurationMS: 3200}
		for i, c := range criteria {
			c.Status = st[i]
			switch c.Status {
			case grader.StatusPass:
				c.Points = c.MaxPoints
				c.Checked = []string{"CreateOrder o-1 answered order #17", "ledger: 1 notice"}
			case grader.StatusFail:
				c.Sent, c.Expected, c.Observed = "CancelOrder o-2 twice", "1 cancellation notice", "2 cancellation notices for o-2"
			case grader.StatusError:
				c.Evidence = "your code does not compile"
			}
			if c.Bonus {
				r.BonusScore += c.Points
			} else {
				r.Score += c.Points
			}
			r.Criteria = append(r.Criteria, c)
		}
		return r
	}
	c := &Class{Seed: 4242, Exercises: []string{"ex1"}, DurationMS: 9000, Criteria: map[string][]Criterion{"ex1": {
		{ID: "duplicate-create", Title: "Duplicate CreateOrder returns same order", Points: 50},
		{ID: "cancel-once", Title: "Cannot cancel twice", Points: 50},
		{ID: "update-order", Title: "UpdateOrder only while pending", Points: 10, Bonus: true},
	}}}
	missing := report(grader.StatusFail, grader.StatusFail, grader.StatusFail)
	for i := range missing.Criteria {
		missing.Criteria[i].Sent, missing.Criteria[i].Expected, missing.Criteria[i].Observed = "", "", ""
		missing.Criteria[i].Evidence = "the submission has no exercises/ex1 folder"
	}
	broken := report(grader.StatusError, grader.StatusError, grader.StatusError)
	broken.Error = "your code does not compile"
	c.Learners = []Learner{
		{Name: "alice", Results: []Result{{Exercise: "ex1", Report: report(grader.StatusPass, grader.StatusPass, grader.StatusPass)}}},
		{Name: "bob", Results: []Result{{Exercise: "ex1", Report: report(grader.StatusPass, grader.StatusFail, grader.StatusPass)}}},
		{Name: "carol", Results: []Result{{Exercise: "ex1", Report: broken}}},
		{Name: "dave", Results: []Result{{Exercise: "ex1", Missing: true, Report: missing}}},
	}
	return c
}

func golden(t *testing.T, name string, got []byte) {
	t.Helper()
	path := filepath.Join("testdata", name)
	if *update {
		require.NoError(t, os.WriteFile(path, got, 0o644))
	}
	want, err := os.ReadFile(path)
	require.NoError(t, err, "run go test ./grader/instructor/classreport -update to create %s", path)
	assert.Equal(t, string(want), string(got))
}

func TestGradebookCSVGolden(t *testing.T) {
	var b bytes.Buffer
	require.NoError(t, sampleClass().CSV(&b))
	golden(t, "gradebook.csv", b.Bytes())
}

func TestJUnitGolden(t *testing.T) {
	var b bytes.Buffer
	require.NoError(t, sampleClass().JUnit(&b))
	golden(t, "junit.xml", b.Bytes())

	// The structure every JUnit consumer reads (Jenkins' and Ant's junit schema):
	// testsuites > testsuite[name,tests,failures,errors] > testcase[name,classname]
	// with at most one failure or error carrying message and type.
	var doc struct {
		XMLName xml.Name `xml:"testsuites"`
		Tests   int      `xml:"tests,attr"`
		Fails   int      `xml:"failures,attr"`
		Errors  int      `xml:"errors,attr"`
		Suites  []struct {
			Name   string `xml:"name,attr"`
			Tests  int    `xml:"tests,attr"`
			Fails  int    `xml:"failures,attr"`
			Errors int    `xml:"errors,attr"`
			Cases  []struct {
				Name      string `xml:"name,attr"`
				Classname string `xml:"classname,attr"`
				Failure   []struct {
					Message string `xml:"message,attr"`
					Type    string `xml:"type,attr"`
					Text    string `xml:",chardata"`
				} `xml:"failure"`
				Error []struct {
					Message string `xml:"message,attr"`
				} `xml:"error"`
			} `xml:"testcase"`
		} `xml:"testsuite"`
	}
	require.NoError(t, xml.Unmarshal(b.Bytes(), &doc))
	total, fails, errs := 0, 0, 0
	for _, s := range doc.Suites {
		require.NotEmpty(t, s.Name)
		assert.Equal(t, len(s.Cases), s.Tests)
		f, e := 0, 0
		for _, c := range s.Cases {
			require.NotEmpty(t, c.Name)
			require.NotEmpty(t, c.Classname)
			require.LessOrEqual(t, len(c.Failure)+len(c.Error), 1)
			f += len(c.Failure)
			e += len(c.Error)
			for _, fl := range c.Failure {
				assert.NotEmpty(t, fl.Message)
				assert.NotEmpty(t, fl.Text, "a failure carries its evidence")
			}
		}
		assert.Equal(t, f, s.Fails)
		assert.Equal(t, e, s.Errors)
		total, fails, errs = total+s.Tests, fails+f, errs+e
	}
	assert.Equal(t, []int{12, 4, 3}, []int{total, fails, errs})
	assert.Equal(t, []int{total, fails, errs}, []int{doc.Tests, doc.Fails, doc.Errors})
	assert.Contains(t, b.String(), "observed: 2 cancellation notices for o-2")
}

func TestGradescopeAgainstSpec(t *testing.T) {
	c := sampleClass()
	var schema map[string]any
	raw, err := os.ReadFile("testdata/gradescope.schema.json")
	require.NoError(t, err)
	require.NoError(t, json.Unmarshal(raw, &schema))
	hidden := Hidden{IDs: map[string]bool{"cancel-once": true}}
	for _, l := range c.Learners {
		var b bytes.Buffer
		require.NoError(t, c.WriteGradescope(&b, l, hidden))
		var doc any
		require.NoError(t, json.Unmarshal(b.Bytes(), &doc))
		assert.Empty(t, validate(schema, doc, "$"), l.Name)
		assert.NotContains(t, b.String(), "4242", "the instructor's seed leaks to a learner")
		if l.Name == "bob" {
			golden(t, "gradescope-bob.json", b.Bytes())
		}
	}
	g := c.Gradescope(c.Learners[1], hidden)
	assert.Equal(t, 60.0, g.Score, "50 + the bonus 10 as extra credit")
	assert.Equal(t, "after_due_date", g.Tests[1].Visibility)
	assert.Equal(t, "visible", g.Tests[0].Visibility)
	assert.Equal(t, 0.0, g.Tests[2].MaxScore, "a bonus is extra credit")
	all := c.Gradescope(c.Learners[1], Hidden{All: true})
	for _, tc := range all.Tests {
		assert.Equal(t, "after_due_date", tc.Visibility)
	}
}

// validate checks doc against the subset of JSON Schema the spec file uses: type,
// properties, additionalProperties false, required, enum, items.
func validate(schema map[string]any, doc any, at string) []string {
	var errs []string
	switch schema["type"] {
	case "object":
		obj, ok := doc.(map[string]any)
		if !ok {
			return []string{at + ": not an object"}
		}
		props, _ := schema["properties"].(map[string]any)
		for _, r := range asStrings(schema["required"]) {
			if _, ok := obj[r]; !ok {
				errs = append(errs, at+": missing "+r)
			}
		}
		keys := make([]string, 0, len(obj))
		for k := range obj {
			keys = append(keys, k)
		}
		sort.Strings(keys)
		for _, k := range keys {
			sub, ok := props[k].(map[string]any)
			if !ok {
				if schema["additionalProperties"] == false {
					errs = append(errs, at+": unknown field "+k)
				}
				continue
			}
			errs = append(errs, validate(sub, obj[k], at+"."+k)...)
		}
	case "array":
		arr, ok := doc.([]any)
		if !ok {
			return []string{at + ": not an array"}
		}
		if items, ok := schema["items"].(map[string]any); ok {
			for i, v := range arr {
				errs = append(errs, validate(items, v, fmt.Sprintf("%s[%d]", at, i))...)
			}
		}
	case "number":
		if _, ok := doc.(float64); !ok {
			errs = append(errs, at+": not a number")
		}
	case "string":
		s, ok := doc.(string)
		if !ok {
			return []string{at + ": not a string"}
		}
		if enum := asStrings(schema["enum"]); len(enum) > 0 && !contains(enum, s) {
			errs = append(errs, fmt.Sprintf("%s: %q not one of %v", at, s, enum))
		}
	}
	return errs
}

func asStrings(v any) []string {
	var out []string
	if arr, ok := v.([]any); ok {
		for _, x := range arr {
			if s, ok := x.(string); ok {
				out = append(out, s)
			}
		}
	}
	return out
}

func contains(xs []string, s string) bool {
	for _, x := range xs {
		if x == s {
			return true
		}
	}
	return false
}

func TestClassroomRunnerResult(t *testing.T) {
	c := sampleClass()
	var b bytes.Buffer
	require.NoError(t, c.WriteClassroom(&b, c.Learners[1]))
	raw, err := base64.StdEncoding.DecodeString(b.String())
	require.NoError(t, err, "the reporter base64-decodes <RUNNER>_RESULTS")
	var pretty bytes.Buffer
	require.NoError(t, json.Indent(&pretty, raw, "", "  "))
	golden(t, "classroom-bob.json", append(pretty.Bytes(), '\n'))

	// What autograding-grading-reporter reads: max_score, and per test status, score,
	// name and message. Classroom's total is the sum of the tests' scores.
	var res struct {
		Version  int    `json:"version"`
		Status   string `json:"status"`
		MaxScore int    `json:"max_score"`
		Tests    []struct {
			Name    string `json:"name"`
			Status  string `json:"status"`
			Score   int    `json:"score"`
			Message string `json:"message"`
		} `json:"tests"`
	}
	require.NoError(t, json.Unmarshal(raw, &res))
	assert.Equal(t, 1, res.Version)
	assert.Equal(t, "fail", res.Status)
	assert.Equal(t, 100, res.MaxScore)
	total := 0
	for _, tc := range res.Tests {
		assert.Contains(t, []string{"pass", "fail", "error"}, tc.Status)
		total += tc.Score
		if tc.Status != "pass" {
			assert.NotEmpty(t, tc.Message)
		}
	}
	assert.Equal(t, 60, total)

	b.Reset()
	require.NoError(t, c.WriteClassroom(&b, c.Learners[2]))
	raw, _ = base64.StdEncoding.DecodeString(b.String())
	require.NoError(t, json.Unmarshal(raw, &res))
	assert.Equal(t, "error", res.Status, "a submission that does not compile is an error, not a fail")
}

func TestMergeShards(t *testing.T) {
	c := sampleClass()
	a := &Class{Seed: c.Seed, Exercises: c.Exercises, Criteria: c.Criteria, Shard: "1/2", Learners: []Learner{c.Learners[3], c.Learners[0]}}
	b := &Class{Seed: c.Seed, Exercises: c.Exercises, Criteria: c.Criteria, Shard: "2/2", Learners: []Learner{c.Learners[2], c.Learners[1]}}
	m, err := Merge([]*Class{a, b})
	require.NoError(t, err)
	var names []string
	for _, l := range m.Learners {
		names = append(names, l.Name)
	}
	assert.Equal(t, []string{"alice", "bob", "carol", "dave"}, names)
	assert.Empty(t, m.Shard)

	_, err = Merge([]*Class{a, a})
	assert.ErrorContains(t, err, "is in shard 1 and shard 2")
	other := *b
	other.Seed = 1
	_, err = Merge([]*Class{a, &other})
	assert.ErrorContains(t, err, "same --seed")
}

func TestHTMLGolden(t *testing.T) {
	c := sampleClass()
	c.Reference = map[string]*grader.Report{"ex1": c.Learners[0].Results[0].Report}
	c.Learners[1].Results[0].Diff = []compare.Difference{{Criterion: "cancel-once", Field: "observed", Submission: "2 cancellation notices for o-2", Reference: ""}}
	var b bytes.Buffer
	require.NoError(t, c.HTML(&b))
	golden(t, "report.html", b.Bytes())
	html := b.String()
	assert.Contains(t, html, "instructor's seed <code>4242</code>")
	assert.Contains(t, html, "1 of 3", "cancel-once failed for bob among the three graded")
	assert.Contains(t, html, "observed: 2 cancellation notices for o-2")
	assert.Contains(t, html, "1≠")
}

func TestLearnerFilesNeverCollide(t *testing.T) {
	c := sampleClass()
	c.Learners = append(c.Learners, Learner{Name: "a b"}, Learner{Name: "a_b"}, Learner{Name: "../x"})
	names := map[string]bool{}
	for _, f := range All(c, Hidden{}) {
		assert.False(t, names[f.Name], "two files named %s", f.Name)
		names[f.Name] = true
		assert.NotContains(t, f.Name, "..")
	}
	assert.True(t, names[filepath.Join("gradescope", "a_b-2", "results.json")])
}

// A failed cell links to the learner's run page, which All writes: the report with the
// failure's timeline.
func TestFailedCellLinksToRunPage(t *testing.T) {
	c := sampleClass()
	bob := c.Learners[1].Results[0].Report
	for i := range bob.Criteria {
		if bob.Criteria[i].ID == "cancel-once" {
			bob.Criteria[i].Timeline = &grader.Timeline{Invocations: []grader.InvocationTimeline{{
				ID: "inv_1", Target: "OrderService/o-2/CancelOrder", Outcome: "succeeded",
				Attempts: []grader.TimelineAttempt{{N: 1, End: "crashed"}, {N: 2, End: "completed"}},
				Steps:    []grader.TimelineStep{{Kind: "gateway", Index: -1, Step: -1, Label: "notify reference=o-2", Marks: []grader.Mark{grader.MarkCalled, grader.MarkAgain}}},
			}}}
		}
	}
	var b bytes.Buffer
	require.NoError(t, c.HTML(&b))
	assert.Contains(t, b.String(), `<a href="runs/bob/ex1.html#cancel-once">`)
	var page *Format
	for _, f := range All(c, Hidden{}) {
		if f.Name == filepath.Join("runs", "bob", "ex1.html") {
			page = &f
		}
		assert.NotEqual(t, filepath.Join("runs", "alice", "ex1.html"), f.Name, "a run with no failure gets no page")
	}
	require.NotNil(t, page, "bob's run page is written")
	var p bytes.Buffer
	require.NoError(t, page.Render(c, &p))
	assert.Contains(t, p.String(), `id="cancel-once"`)
	assert.Contains(t, p.String(), "sent again")
}
