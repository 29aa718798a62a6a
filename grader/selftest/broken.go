// Package selftest proves the grader has teeth: it grades every reference solution
// (full marks), every stub (zero) and every deliberately broken copy of a solution, and
// compares each verdict with what the copy declares it must lose.
package selftest

import (
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"sort"
	"strings"
)

// BrokenDir is where the broken copies live, one folder per exercise.
const BrokenDir = "grader/testdata/broken"

// Broken is one deliberately broken copy of a reference solution.
type Broken struct {
	Exercise string
	Name     string
	Dir      string // relative to the module root
	// Lose lists the criteria this copy must fail; every other criterion must pass.
	Lose []string
	// Error says the copy must not be judged at all (it does not compile): every
	// criterion "error", exit 3.
	Error bool
}

// directive is how a broken copy declares its expectation, in any of its .go files:
//
//	//grade:lose criterion-a criterion-b
//	//grade:error
var directive = regexp.MustCompile(`(?m)^//grade:(lose|error)\b(.*)$`)

// LoadBroken lists the broken copies of one exercise, sorted by name.
func LoadBroken(root, exercise string) ([]Broken, error) {
	base := filepath.Join(root, BrokenDir, exercise)
	entries, err := os.ReadDir(base)
	if os.IsNotExist(err) {
		return nil, nil
	}
	if err != nil {
		return nil, fmt.Errorf("list broken copies of %s: %w", exercise, err)
	}
	var out []Broken
	for _, e := range entries {
		if !e.IsDir() {
			continue
		}
		b := Broken{Exercise: exercise, Name: e.Name(), Dir: filepath.ToSlash(filepath.Join(BrokenDir, exercise, e.Name()))}
		found, err := readDirective(filepath.Join(base, e.Name()), &b)
		if err != nil {
			return nil, err
		}
		if !found {
			return nil, fmt.Errorf("%s declares nothing: add a //grade:lose <criteria> (or //grade:error) line", b.Dir)
		}
		out = append(out, b)
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Name < out[j].Name })
	return out, nil
}

func readDirective(dir string, b *Broken) (bool, error) {
	files, err := filepath.Glob(filepath.Join(dir, "*.go"))
	if err != nil {
		return false, err
	}
	found := false
	for _, f := range files {
		src, err := os.ReadFile(f)
		if err != nil {
			return false, err
		}
		for _, m := range directive.FindAllStringSubmatch(string(src), -1) {
			found = true
			switch m[1] {
			case "error":
				b.Error = true
			case "lose":
				b.Lose = append(b.Lose, strings.Fields(m[2])...)
			}
		}
	}
	return found, nil
}
