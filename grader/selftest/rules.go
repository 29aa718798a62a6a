package selftest

import (
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strconv"
	"strings"
)

// ruleRow is a row of an exercise README's rule table: "| R3 | ... |" (R3 may be bold).
var ruleRow = regexp.MustCompile(`(?m)^\|\s*\**R(\d+)\**\s*\|`)

// Rules lists the rules (R1, R2, ...) numbered in the rule table of the exercise's
// README (exercises/exN/README.md), in order.
func Rules(root, stub string) ([]string, error) {
	data, err := os.ReadFile(filepath.Join(root, stub, "README.md"))
	if err != nil {
		return nil, fmt.Errorf("read the rule table: %w", err)
	}
	seen := map[int]bool{}
	var nums []int
	for _, m := range ruleRow.FindAllStringSubmatch(string(data), -1) {
		n, _ := strconv.Atoi(m[1])
		if !seen[n] {
			seen[n] = true
			nums = append(nums, n)
		}
	}
	slices.Sort(nums)
	out := make([]string, len(nums))
	for i, n := range nums {
		out[i] = "R" + strconv.Itoa(n)
	}
	return out, nil
}

// RuleCoverage says, per rule of one exercise, which broken copies break it and were
// killed as they declare (every cell of theirs as expected, at least one fail).
type RuleCoverage struct {
	Exercise string
	Rules    []string
	KilledBy map[string][]string // rule -> copy names
	Unknown  []string            // rules copies declare that the README does not number
}

// Uncovered lists the rules no copy kills.
func (c RuleCoverage) Uncovered() []string {
	var out []string
	for _, r := range c.Rules {
		if len(c.KilledBy[r]) == 0 {
			out = append(out, r)
		}
	}
	return out
}

// CoverRules computes the rule coverage of every exercise in results.
func CoverRules(root string, results []Result) ([]RuleCoverage, error) {
	var out []RuleCoverage
	index := map[string]int{}
	for _, r := range results {
		ex := r.Case.Exercise
		i, ok := index[ex.ID]
		if !ok {
			rules, err := Rules(root, ex.Stub)
			if err != nil {
				return nil, err
			}
			i = len(out)
			index[ex.ID] = i
			out = append(out, RuleCoverage{Exercise: ex.ID, Rules: rules, KilledBy: map[string][]string{}})
		}
		if r.Case.Kind != Copy || !killedAsDeclared(r) {
			continue
		}
		for _, rule := range r.Case.Broken.Rules {
			if !slices.Contains(out[i].Rules, rule) {
				if !slices.Contains(out[i].Unknown, rule) {
					out[i].Unknown = append(out[i].Unknown, rule)
				}
				continue
			}
			out[i].KilledBy[rule] = append(out[i].KilledBy[rule], r.Case.Name)
		}
	}
	return out, nil
}

func killedAsDeclared(r Result) bool {
	failed := false
	for _, c := range r.Report.Criteria {
		if c.Status != r.Case.Expected(c.ID) {
			return false
		}
		failed = failed || c.Status == "fail"
	}
	return failed
}

// String prints one line per rule: the copies that kill it, or "NOT KILLED".
func (c RuleCoverage) String() string {
	var b strings.Builder
	fmt.Fprintf(&b, "%s rules: %d, killed: %d\n", c.Exercise, len(c.Rules), len(c.Rules)-len(c.Uncovered()))
	for _, r := range c.Rules {
		if ks := c.KilledBy[r]; len(ks) > 0 {
			fmt.Fprintf(&b, "  %-4s killed by %s\n", r, strings.Join(ks, ", "))
		} else {
			fmt.Fprintf(&b, "  %-4s NOT KILLED by any broken copy\n", r)
		}
	}
	if len(c.Unknown) > 0 {
		fmt.Fprintf(&b, "  copies declare rules the README does not number: %s\n", strings.Join(c.Unknown, ", "))
	}
	return b.String()
}
