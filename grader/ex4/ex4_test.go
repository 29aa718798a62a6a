package ex4_test

import (
	"os"
	"regexp"
	"strings"
	"testing"

	"idempotency/grader"
	"idempotency/grader/ex4"
	"idempotency/grader/gradetest"
	"idempotency/grader/report"
	"idempotency/grader/selftest"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// logReport prints the whole report when the test runs with -v, to read the evidence.
func logReport(t *testing.T, r *grader.Report) {
	t.Helper()
	if testing.Verbose() {
		_ = report.Text(os.Stdout, r, false)
	}
}

// The solution scores full marks, and the same seed gives the same verdicts and the
// same evidence (one test, so that the suite grades the solution twice, not three times).
func TestSolutionScoresFullMarksReproducibly(t *testing.T) {
	t.Parallel()
	a := gradetest.SolutionScoresFullMarks(t, ex4.Exercise(), 1)
	b := gradetest.Grade(t, ex4.Exercise(), "solutions/ex4", 1, "")
	require.Len(t, b.Criteria, len(a.Criteria))
	for i := range a.Criteria {
		assert.Equal(t, a.Criteria[i].Status, b.Criteria[i].Status, a.Criteria[i].ID)
		assert.Equal(t, a.Criteria[i].Evidence, b.Criteria[i].Evidence, a.Criteria[i].ID)
	}
}

func TestStubScoresZero(t *testing.T) {
	t.Parallel()
	gradetest.StubScoresZero(t, ex4.Exercise(), 1)
}

// explains says, for some broken copies, what the evidence (or the hint) of a lost
// criterion must say: the cause, in the learner's words, not only that something went
// wrong.
var explains = map[string]map[string][]string{
	"update-plan-renamed": {
		"plan-updates": {"UpdatePlan is missing", "ChangePlan: renamed?"},
		"emails-once":  {"UpdatePlan is missing", "ChangePlan: renamed?"},
	},
	"no-renew-handler":                 {"renewal": {"Renew is missing"}},
	"go-map-state":                     {"plan-updates": {"outside Restate (a Go map or variable)"}, "renewal": {"after the restart", "404"}},
	"declined-card-retried":            {"state-consistent": {"refused this call permanently", "retried it until its retry budget ran out"}},
	"renew-sleeps-in-loop":             {"renewal": {"Renew", "holds the subscription"}},
	"renewal-charge-outside-run":       {"renewal": {"outside restate.Run"}},
	"renew-without-delay":              {"renewal": {"restate.WithDelay(ex4.TestCycle)"}},
	"refund-newest-only":               {"plan-updates": {"exceeds", "split over the charges"}},
	"period-end-adddate":               {"plan-updates": {"2027-02-28", "last day"}},
	"prorate-truncates":                {"cancel-idempotent": {"rounded half up"}},
	"change-key-from-plan":             {"plan-updates": {"already used with different parameters", "idempotency key of its own"}},
	"transient-email-given-up":         {"create-once": {"delivered 0 messages", "ErrTransient"}},
	"renew-reschedules-when-cancelled": {"renewal": {"scheduled another"}},
	"fast-test-cancel-refunds":         {"renewal": {"no refund"}},
}

// Each broken copy of the solution loses exactly the criteria its //grade:lose line
// declares, each failure says what was sent, expected and observed with a hint, and
// some say the cause in so many words (explains).
func TestBrokenCopiesLoseTheirCriteria(t *testing.T) {
	copies, err := selftest.LoadBroken(gradetest.Root(t), "ex4")
	require.NoError(t, err)
	for _, b := range copies {
		t.Run(b.Name, func(t *testing.T) {
			t.Parallel()
			r := gradetest.Grade(t, ex4.Exercise(), b.Dir, 7, "")
			logReport(t, r)
			gradetest.AssertLoses(t, r, b.Lose...)
			for _, c := range r.Criteria {
				if c.Status != grader.StatusFail {
					continue
				}
				assert.NotEmpty(t, c.Expected, "%s: a failure says what was expected", c.ID)
				assert.NotEmpty(t, c.Observed, "%s: a failure says what was observed", c.ID)
				assert.NotEmpty(t, c.Hint, "%s: a failure has a hint", c.ID)
				for _, want := range explains[b.Name][c.ID] {
					assert.Contains(t, c.Evidence+"\n"+c.Hint, want, "%s: the evidence names the cause", c.ID)
				}
			}
		})
	}
}

// Every rule of the README's rule table is killed by a broken copy that declares it,
// every rule a copy declares is in the table, every copy that explains names an existing
// copy, and every criterion is lost by at least two copies and named in the table. (No
// grading: the directives and the README are read.)
func TestEveryRuleHasABrokenCopy(t *testing.T) {
	root := gradetest.Root(t)
	readme, err := os.ReadFile(root + "/exercises/ex4/README.md")
	require.NoError(t, err)
	var rules []string
	var table []string
	for _, l := range strings.Split(string(readme), "\n") {
		if m := regexp.MustCompile(`^\| (R\d+) \|`).FindStringSubmatch(l); m != nil {
			rules = append(rules, m[1])
			table = append(table, l)
		}
	}
	require.NotEmpty(t, rules, "the README has a rule table: | R1 | ... |")
	copies, err := selftest.LoadBroken(root, "ex4")
	require.NoError(t, err)
	killed := map[string][]string{}
	lost := map[string]int{}
	names := map[string]bool{}
	for _, b := range copies {
		names[b.Name] = true
		assert.NotEmpty(t, b.Rules, "%s declares the rules it breaks (//grade:rule)", b.Name)
		for _, r := range b.Rules {
			assert.Contains(t, rules, r, "%s declares %s, which the README's table does not have", b.Name, r)
			killed[r] = append(killed[r], b.Name)
		}
		for _, c := range b.Lose {
			lost[c]++
		}
	}
	for name := range explains {
		assert.True(t, names[name], "explains names %s, which is not a broken copy", name)
	}
	for _, r := range rules {
		assert.NotEmpty(t, killed[r], "rule %s is killed by no broken copy", r)
	}
	for _, s := range ex4.Exercise().Scenarios {
		assert.GreaterOrEqual(t, lost[s.ID], 2, "criterion %s is lost by %d broken copies, want at least 2", s.ID, lost[s.ID])
		assert.True(t, strings.Contains(strings.Join(table, "\n"), " "+s.ID), "the rule table names criterion %s", s.ID)
	}
}
