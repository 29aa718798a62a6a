package ex6_test

import (
	"os"
	"regexp"
	"slices"
	"strings"
	"testing"

	"idempotency/grader"
	"idempotency/grader/ex6"
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
	a := gradetest.SolutionScoresFullMarks(t, ex6.Exercise(), 1)
	b := gradetest.Grade(t, ex6.Exercise(), "solutions/ex6", 1, "")
	require.Len(t, b.Criteria, len(a.Criteria))
	for i := range a.Criteria {
		assert.Equal(t, a.Criteria[i].Status, b.Criteria[i].Status, a.Criteria[i].ID)
		assert.Equal(t, a.Criteria[i].Evidence, b.Criteria[i].Evidence, a.Criteria[i].ID)
	}
}

func TestStubScoresZero(t *testing.T) {
	t.Parallel()
	gradetest.StubScoresZero(t, ex6.Exercise(), 1)
}

// explains says, for some broken copies, what the evidence of a lost criterion must say:
// the cause, in the learner's words, not only that something went wrong.
var explains = map[string]map[string][]string{
	"get-result-renamed":          {"transaction-idempotent": {"GetOrderResult is missing", "GetResult: renamed?"}},
	"no-cancel-label":             {"saga": {"ShippingService.CancelLabel is missing"}},
	"get-result-plain-error":      {"transaction-idempotent": {"plain Go error", "404"}},
	"compensation-runs-twice":     {"compensation": {"invoked InventoryService.ReleaseReservation 2 times", "all from one ProcessOrder invocation"}},
	"notification-outside-run":    {"retry-safe": {"invoked NotificationService.SendNotification once", "was retried"}},
	"confirmation-sent-directly":  {"retry-safe": {"no NotificationService.SendNotification invocation"}},
	"charge-key-changes-on-retry": {"retry-safe": {"the key changed between attempts"}},
	"results-in-memory":           {"transaction-idempotent": {"after the service process was restarted"}},
	"dedupe-last-order-only":      {"transaction-idempotent": {"were processed", "ran the transaction again"}},
	"confirmation-one-way":        {"saga": {"step 4 (confirmation) fails", `status is "completed"`}},
	"compensations-one-way":       {"saga": {"ran at the same time"}},
	"soldout-first-item-only":     {"saga": {"is sold out", `status is "completed"`}},
	"charges-items-total":         {"transaction-idempotent": {"includes 495 cents of shipping", "the charge was"}},
}

// Each broken copy of the solution loses exactly the criteria its //grade:lose line
// declares, each failure says what was sent, expected and observed with a hint, and
// some say the cause in so many words (explains).
func TestBrokenCopiesLoseTheirCriteria(t *testing.T) {
	copies, err := selftest.LoadBroken(gradetest.Root(t), "ex6")
	require.NoError(t, err)
	for _, b := range copies {
		t.Run(b.Name, func(t *testing.T) {
			t.Parallel()
			r := gradetest.Grade(t, ex6.Exercise(), b.Dir, 7, "")
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
					assert.Contains(t, c.Evidence, want, "%s: the evidence names the cause", c.ID)
				}
			}
		})
	}
}

// Every rule of the README's rule table is killed by a broken copy that declares it,
// every rule a copy declares is in the table, and every criterion is lost by at least
// two copies. (No grading: the directives and the README are read.)
func TestEveryRuleHasABrokenCopy(t *testing.T) {
	root := gradetest.Root(t)
	readme, err := os.ReadFile(root + "/exercises/ex6/README.md")
	require.NoError(t, err)
	var rules []string
	for _, m := range regexp.MustCompile(`(?m)^\| (R\d+) \|`).FindAllStringSubmatch(string(readme), -1) {
		rules = append(rules, m[1])
	}
	require.NotEmpty(t, rules, "the README has a rule table: | R1 | ... |")
	copies, err := selftest.LoadBroken(root, "ex6")
	require.NoError(t, err)
	killed := map[string][]string{}
	lost := map[string]int{}
	for _, b := range copies {
		assert.NotEmpty(t, b.Rules, "%s declares the rules it breaks (//grade:rule)", b.Name)
		for _, r := range b.Rules {
			assert.Contains(t, rules, r, "%s declares %s, which the README's table does not have", b.Name, r)
			killed[r] = append(killed[r], b.Name)
		}
		for _, c := range b.Lose {
			lost[c]++
		}
	}
	for _, r := range rules {
		assert.NotEmpty(t, killed[r], "rule %s is killed by no broken copy", r)
	}
	for _, s := range ex6.Exercise().Scenarios {
		assert.GreaterOrEqual(t, lost[s.ID], 2, "criterion %s is lost by %d broken copies, want at least 2", s.ID, lost[s.ID])
		assert.True(t, slices.ContainsFunc(strings.Split(string(readme), "\n"), func(l string) bool {
			return strings.HasPrefix(l, "| R") && strings.Contains(l, "`"+s.ID+"`")
		}), "the rule table names criterion %s", s.ID)
	}
}
