package mutate

import (
	"bytes"
	"crypto/sha256"
	"sort"
	"strings"
)

// Stats counts what generation threw away.
type Stats struct {
	Candidates int // proposed by the operators
	Duplicates int // the same mutated file as an earlier candidate, or no change
	Dropped    int // did not type-check
	// DroppedBy counts the dropped per operator; Drops lists them.
	DroppedBy map[Operator]int
	Drops     []Drop
}

// Drop is a candidate that did not compile.
type Drop struct {
	ID    string `json:"id"`
	Error string `json:"error"`
}

// Generate applies ops (every operator when empty) at every place they fit in pkg and
// returns the mutants that type-check, in file, operator and position order.
func Generate(exercise string, pkg *Package, ops ...Operator) ([]*Mutant, Stats) {
	if len(ops) == 0 {
		ops = Operators
	}
	st := Stats{DroppedBy: map[Operator]int{}}
	var out []*Mutant
	for _, f := range pkg.Files {
		s := &site{pkg: pkg, file: f}
		seen := map[[32]byte]bool{sha256.Sum256(f.Src): true}
		for _, op := range ops {
			for _, c := range operators[op](s) {
				st.Candidates++
				if c.alt != nil {
					if src, err := apply(f.Src, c.edits); err != nil || pkg.Compiles(f.Name, src) != nil {
						c = *c.alt
					}
				}
				src, err := apply(f.Src, c.edits)
				if err != nil {
					st.Duplicates++
					continue
				}
				sum := sha256.Sum256(src)
				if seen[sum] {
					st.Duplicates++
					continue
				}
				seen[sum] = true
				if errs := pkg.check(f.Name, src); len(errs) > 0 {
					if fixed, ok := repair(pkg, f.Name, src, errs); ok {
						src = fixed
					}
				}
				m := newMutant(exercise, f, c, src)
				if err := pkg.Compiles(f.Name, src); err != nil {
					st.Dropped++
					st.DroppedBy[op]++
					st.Drops = append(st.Drops, Drop{ID: m.ID, Error: err.Error()})
					continue
				}
				out = append(out, m)
			}
		}
	}
	sort.SliceStable(out, func(i, j int) bool {
		a, b := out[i], out[j]
		if a.File != b.File {
			return a.File < b.File
		}
		if a.Operator != b.Operator {
			return a.Operator < b.Operator
		}
		if a.Line != b.Line {
			return a.Line < b.Line
		}
		if a.Col != b.Col {
			return a.Col < b.Col
		}
		return a.ID < b.ID
	})
	return out, st
}

func newMutant(exercise string, f *File, c candidate, src []byte) *Mutant {
	e := c.edits[0]
	at := e.pos
	if c.at > 0 {
		at = c.at
	}
	before := f.Src[:at]
	line := bytes.Count(before, []byte("\n")) + 1
	col := at - (bytes.LastIndexByte(before, '\n') + 1) + 1
	original := string(f.Src[e.pos:e.end])
	m := &Mutant{
		Exercise: exercise,
		Operator: c.op,
		File:     f.Name,
		Line:     line,
		Col:      col,
		Original: original,
		Replaced: e.text,
		Src:      src,
	}
	m.ID = mutantID(c.op, f.Name, line, col, normalize(original), normalize(e.text))
	m.Line0 = c.label
	if m.Line0 == "" {
		m.Line0 = editedLine(f.Src, e)
	}
	m.Diff = unifiedDiff(f.Name, f.Src, src, 2)
	return m
}

// editedLine is the line of the edit as the mutant has it: what precedes the edit on
// its line, the replacement's first line, and the rest of the line when the edit ends
// on it.
func editedLine(src []byte, e edit) string {
	start := bytes.LastIndexByte(src[:e.pos], '\n') + 1
	line := string(src[start:e.pos]) + firstLine(e.text+"\n")
	if !strings.Contains(e.text, "\n") {
		if rest := src[e.end:]; !bytes.Contains(src[e.pos:e.end], []byte("\n")) {
			if i := bytes.IndexByte(rest, '\n'); i >= 0 {
				rest = rest[:i]
			}
			line += string(rest)
		}
	}
	return strings.TrimSpace(line)
}

// normalize makes the hashed text independent of indentation, so that re-indenting a
// block (gofmt after a nesting change) keeps its mutants' IDs.
func normalize(s string) string { return strings.Join(strings.Fields(s), " ") }
