package selftest_test

import (
	"strconv"
	"testing"

	"idempotency/grader/catalog"
	"idempotency/grader/selftest"
	"idempotency/grader/selftest/gradetest"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// The broken copies' declarations, read without grading: every copy names the README
// rules it breaks and each is in the rule table, every rule of the table is broken by a
// copy, and every criterion is lost by at least two copies. (`make selftest` then grades
// them and checks each verdict against its declaration.)
func TestBrokenCopiesDeclareRulesAndCriteria(t *testing.T) {
	root := gradetest.Root(t)
	for _, ex := range catalog.All() {
		t.Run(ex.ID, func(t *testing.T) {
			copies, err := selftest.LoadBroken(root, ex.ID)
			require.NoError(t, err)
			rules, err := selftest.Rules(root, ex.Stub)
			require.NoError(t, err)
			require.NotEmpty(t, rules, "the README has a rule table: | R1 | ... |")
			for i, r := range rules {
				assert.Equal(t, "R"+strconv.Itoa(i+1), r, "the README's rules are numbered R1, R2, ... without gaps")
			}
			broken := map[string][]string{}
			lost := map[string]int{}
			for _, b := range copies {
				if !b.Error {
					assert.NotEmpty(t, b.Rules, "%s names the README rules it breaks (//grade:rule)", b.Name)
				}
				for _, r := range b.Rules {
					assert.Contains(t, rules, r, "%s breaks %s, which the README's table does not have", b.Name, r)
					broken[r] = append(broken[r], b.Name)
				}
				for _, c := range b.Lose {
					lost[c]++
				}
			}
			for _, r := range rules {
				assert.NotEmpty(t, broken[r], "no broken copy breaks README rule %s", r)
			}
			for _, s := range ex.Scenarios {
				assert.GreaterOrEqual(t, lost[s.ID], 2, "broken copies that lose %s", s.ID)
			}
		})
	}
}
