// Package selftest proves the grader has teeth: it grades every reference solution
// (full marks), every stub (zero) and every deliberately broken copy of a solution, and
// compares each verdict with what the copy declares it must lose.
package selftest

import (
	"fmt"

	"path/filepath"
	"slices"
	"sort"
	"strings"

	"idempotency/grader/overlay"
)

// BrokenDir is where the broken copies live, one folder per exercise.
const BrokenDir = "grader/testdata/broken"

// Broken is one deliberately broken copy of a reference solution, kept as an overlay
// (grader/testdata/broken/exN/NAME.txtar): only the files it changes.
type Broken struct {
	Exercise string
	Name     string
	Dir      string // the .txtar, relative to the module root: what grader.Options.Dir takes
	// Lose lists the criteria this copy must fail; every other criterion must pass.
	Lose []string
	// Rules lists the README rules (R1, R2, ...) this copy breaks.
	Rules []string
	// Error says the copy must not be judged at all (it does not compile): every
	// criterion "error", exit 3.
	Error bool
	// Explains lists, per lost criterion, phrases its evidence or hint must contain: the
	// cause in the learner's words, not only that something went wrong.
	Explains map[string][]string
}

// LoadBroken lists the broken copies of one exercise, sorted by name. Each declares its
// expectation in the archive's comment:
//
//	//grade:lose criterion-a criterion-b
//	//grade:rule R3
//	//grade:error
//	//grade:explains criterion-a a phrase the evidence or hint must contain
func LoadBroken(root, exercise string) ([]Broken, error) {
	base := filepath.Join(root, BrokenDir, exercise)
	paths, err := filepath.Glob(filepath.Join(base, "*"+overlay.Ext))
	if err != nil {
		return nil, fmt.Errorf("list broken copies of %s: %w", exercise, err)
	}
	if dirs, _ := filepath.Glob(filepath.Join(base, "*", "*.go")); len(dirs) > 0 {
		return nil, fmt.Errorf("%s: broken copies are overlays (NAME%s holding only the changed files), not copied folders", filepath.Dir(dirs[0]), overlay.Ext)
	}
	var out []Broken
	for _, p := range paths {
		a, err := overlay.Load(p)
		if err != nil {
			return nil, err
		}
		name := strings.TrimSuffix(filepath.Base(p), overlay.Ext)
		rel, _ := filepath.Rel(root, p)
		b := Broken{Exercise: exercise, Name: name, Dir: filepath.ToSlash(rel)}
		for _, args := range a.Directives("lose") {
			b.Lose = append(b.Lose, args...)
		}
		for _, args := range a.Directives("rule") {
			b.Rules = append(b.Rules, args...)
		}
		b.Error = len(a.Directives("error")) > 0
		for _, args := range a.Directives("explains") {
			if len(args) < 2 || !slices.Contains(b.Lose, args[0]) {
				return nil, fmt.Errorf("%s: //grade:explains takes a criterion the copy loses and a phrase: %q", b.Dir, strings.Join(args, " "))
			}
			if b.Explains == nil {
				b.Explains = map[string][]string{}
			}
			b.Explains[args[0]] = append(b.Explains[args[0]], strings.Join(args[1:], " "))
		}
		if len(b.Lose) == 0 && !b.Error {
			return nil, fmt.Errorf("%s declares nothing: add a //grade:lose <criteria> (or //grade:error) line to its comment", b.Dir)
		}
		out = append(out, b)
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Name < out[j].Name })
	return out, nil
}
