package mutate

import (
	"bufio"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
)

// EquivalentDir holds the reviewed lists of equivalent mutants, exN.equivalent.
const EquivalentDir = "grader/testdata/mutants"

// Equivalent is a mutant reviewed as unable to change anything a client or a gateway
// can observe: the score leaves it out. A reason that starts with NotGradedPrefix marks
// a mutant that is observable but changes only what the exercise's README says is not
// graded (input validation, say): the score leaves it out too, and counts it apart.
type Equivalent struct {
	ID   string `json:"id"`
	Line string `json:"line"` // the mutated line, as the reviewer saw it
	Why  string `json:"why"`
}

// NotGradedPrefix starts the reason of a listed mutant that breaks only behaviour the
// README leaves ungraded; the rest of the reason quotes the README.
const NotGradedPrefix = "not graded:"

// NotGraded says the mutant is listed because the README leaves what it changes ungraded.
func (e Equivalent) NotGraded() bool { return strings.HasPrefix(e.Why, NotGradedPrefix) }

// LoadEquivalents reads root/EquivalentDir/exercise.equivalent: one mutant a line,
// `<id> | <mutated line> | <why>`; blank lines and lines starting with # are comments.
// A missing file is an empty list.
func LoadEquivalents(root, exercise string) (map[string]Equivalent, error) {
	path := filepath.Join(root, EquivalentDir, exercise+".equivalent")
	f, err := os.Open(path)
	if errors.Is(err, fs.ErrNotExist) {
		return map[string]Equivalent{}, nil
	}
	if err != nil {
		return nil, err
	}
	defer f.Close()
	out := map[string]Equivalent{}
	sc := bufio.NewScanner(f)
	for n := 1; sc.Scan(); n++ {
		line := strings.TrimSpace(sc.Text())
		if line == "" || strings.HasPrefix(line, "#") {
			continue
		}
		// The mutated line may hold " | " itself (a || b): the ID is before the first
		// separator, the reason after the last.
		first, last := strings.Index(line, " | "), strings.LastIndex(line, " | ")
		if first < 0 || first == last {
			return nil, fmt.Errorf("%s:%d: want `<id> | <mutated line> | <why>`", path, n)
		}
		e := Equivalent{ID: strings.TrimSpace(line[:first]), Line: strings.TrimSpace(line[first+3 : last]), Why: strings.TrimSpace(line[last+3:])}
		if e.Why == "" {
			return nil, fmt.Errorf("%s:%d: %s says no reason why it is equivalent", path, n, e.ID)
		}
		if _, dup := out[e.ID]; dup {
			return nil, fmt.Errorf("%s:%d: %s is listed twice", path, n, e.ID)
		}
		out[e.ID] = e
	}
	return out, sc.Err()
}
