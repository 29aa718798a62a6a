package mutate

import (
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"sort"

	"idempotency/grader/overlay"
)

// Operator is one kind of mutation. The numbers are the issue's.
type Operator int

// The operators. Each knows Restate: what it breaks is what a learner gets wrong.
const (
	UnwrapRun      Operator = iota + 1 // a restate.Run's body runs outside the journal
	DropGuard                          // an early return guarded by a condition is deleted
	Negate                             // a condition is negated, a comparison flipped
	DropStateWrite                     // a restate.Set / Clear is deleted
	Nondeterminism                     // restate.Rand/UUID or a journaled clock becomes math/rand / time.Now
	PlainError                         // a terminal error becomes a plain (retried) one, or loses its code
	DropEffect                         // a gateway call or a call to another Restate service is lost
	SwapStmts                          // two adjacent statements trade places
	Arith                              // integer off-by-one, arithmetic operator swapped
	ChangeKey                          // a state key or an idempotency key changes
)

// Operators lists every operator in order.
var Operators = []Operator{UnwrapRun, DropGuard, Negate, DropStateWrite, Nondeterminism, PlainError, DropEffect, SwapStmts, Arith, ChangeKey}

var operatorNames = map[Operator]string{
	UnwrapRun:      "unwrap-run",
	DropGuard:      "drop-guard",
	Negate:         "negate",
	DropStateWrite: "drop-state-write",
	Nondeterminism: "nondeterminism",
	PlainError:     "plain-error",
	DropEffect:     "drop-effect",
	SwapStmts:      "swap-stmts",
	Arith:          "arith",
	ChangeKey:      "change-key",
}

func (o Operator) String() string {
	if n, ok := operatorNames[o]; ok {
		return n
	}
	return fmt.Sprintf("op%d", int(o))
}

// ParseOperator reads an operator's name or number.
func ParseOperator(s string) (Operator, bool) {
	for _, o := range Operators {
		if s == o.String() || s == fmt.Sprint(int(o)) {
			return o, true
		}
	}
	return 0, false
}

// Mutant is one generated change to one file of a reference solution.
type Mutant struct {
	ID       string   // stable: operator/file:line:col/hash
	Exercise string   // "ex1"
	Operator Operator //
	File     string   // bare file name in the solution's package
	Line     int      // of the edit, in the original file
	Col      int      //
	Original string   // the original text the edit replaces
	Replaced string   // what replaces it
	Line0    string   // the first changed line of the mutated file, trimmed: what a reviewer reads
	Diff     string   // unified diff of the file
	Src      []byte   // the mutated file
}

// Archive is the mutant as an overlay: the one changed file.
func (m *Mutant) Archive() *overlay.Archive {
	return &overlay.Archive{
		Comment: fmt.Sprintf("Mutant %s of %s (%s)\n", m.ID, m.Exercise, m.Operator),
		Files:   []overlay.File{{Name: m.File, Data: m.Src}},
	}
}

// edit replaces src[pos:end] with text.
type edit struct {
	pos, end int
	text     string
}

// candidate is what an operator proposes: its first edit is the one the ID names;
// further edits are bookkeeping (an import the change needs).
type candidate struct {
	op    Operator
	edits []edit
	at    int    // offset the ID names; 0: the first edit's
	label string // what a reviewer reads instead of the first changed line ("" = that line)
	// alt is tried when this one does not type-check: the same mutation in a longer form.
	alt *candidate
}

// apply returns src with the edits applied; edits must not overlap.
func apply(src []byte, edits []edit) ([]byte, error) {
	sorted := append([]edit(nil), edits...)
	sort.SliceStable(sorted, func(i, j int) bool { return sorted[i].pos < sorted[j].pos })
	var b bytes.Buffer
	at := 0
	for i, e := range sorted {
		if i > 0 && e == sorted[i-1] {
			continue // the same import added twice
		}
		if e.pos < at || e.end < e.pos || e.end > len(src) {
			return nil, fmt.Errorf("overlapping or invalid edit at %d", e.pos)
		}
		b.Write(src[at:e.pos])
		b.WriteString(e.text)
		at = e.end
	}
	b.Write(src[at:])
	return b.Bytes(), nil
}

// mutantID names a mutant by operator, position and a short hash of the original and
// replacement text: the same change at the same place gets the same ID in every run.
func mutantID(op Operator, file string, line, col int, original, replaced string) string {
	h := sha256.Sum256([]byte(original + "\x00" + replaced))
	return fmt.Sprintf("%s/%s:%d:%d/%s", op, file, line, col, hex.EncodeToString(h[:3]))
}
