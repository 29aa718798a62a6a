package mutate

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"idempotency/grader"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

var (
	svcOnce sync.Once
	svcPkg  *Package
	svcErr  error
)

// svc loads testdata/svc.go.txt, a small Restate service with a place for every
// operator, once for all the tests.
func svc(t *testing.T) *Package {
	t.Helper()
	svcOnce.Do(func() {
		src, err := os.ReadFile("testdata/svc.go.txt")
		if err != nil {
			svcErr = err
			return
		}
		svcPkg, svcErr = Load(context.Background(), "../../..", map[string][]byte{"svc.go": src})
	})
	require.NoError(t, svcErr)
	return svcPkg
}

func TestOperatorsProduceTheExpectedMutants(t *testing.T) {
	type testCase struct {
		op   Operator
		want []string // each mutant's edited line, in order
	}
	cases := []testCase{
		{UnwrapRun, []string{
			// err was declared by restate.Get as a TerminalError: the typed form.
			"id, err := func() (string, restate.TerminalError) { v, e := func(restate.RunContext) (string, error) {",
		}},
		{DropGuard, []string{
			// Not the err check after restate.Get (line 15): it never fires.
			"(deleted) if paid {",
			"(deleted) if err != nil {",
			"(deleted) if total > a+b+c {",
		}},
		{Negate, []string{
			// err-nil checks are not flipped: every grader kills that.
			"if !paid {",
			"if !(total > a+b+c) {",
			"if total >= a+b+c {",
		}},
		{DropStateWrite, []string{`(deleted) restate.Set(ctx, "paid", true)`}},
		{Nondeterminism, []string{
			"return time.Now(), restate.TerminalError(nil)",
			"return mrand.New(mrand.NewPCG(mrand.Uint64(), mrand.Uint64())).Uint64()",
		}},
		{PlainError, []string{
			`return "", err`,
			`return "", restate.ToTerminalError(err)`,
			`return fmt.Errorf("too many: %d", total)`,
		}},
		{DropEffect, []string{
			`return "", error(nil)`,
			`(deleted) restate.ObjectSend(ctx, "Svc", "k", "Pay").Send(1)`,
			`_, err := "", *new(restate.TerminalError)`,
		}},
		{SwapStmts, []string{
			// Not `a, b := 1, 2` with `c := 3` (independent), nor `total := ...` with
			// `total++` (does not compile).
			"if paid {  <->  id, err := restate.Run(ctx, func(restate.RunContext) (string, error) {",
			"id, err := restate.Run(ctx, func(restate.RunContext) (string, error) {  <->  if err != nil {",
			`if err != nil {  <->  restate.Set(ctx, "paid", true)`,
			`restate.ObjectSend(ctx, "Svc", "k", "Pay").Send(1)  <->  _, err := restate.Service[string](ctx, "Other", "Call").Request("x", restate.WithIdempotencyKey("k"))`,
		}},
		{Arith, []string{
			`return fixtures.Charge(restate.Key(ctx), "c", amount-1, "pay")`,
			`return fixtures.Charge(restate.Key(ctx), "c", amount+1 - 1, "pay")`,
			`return fixtures.Charge(restate.Key(ctx), "c", amount+1 + 1, "pay")`,
			`return fixtures.Charge(restate.Key(ctx), "c", amount+2, "pay")`,
			`return fixtures.Charge(restate.Key(ctx), "c", amount+0, "pay")`,
			"total := n * 2 + 1",
			"total := n * 2 - 1",
			"total := n / 2",
			"total := n * 3",
			"total := n * 1",
			"total--",
			"a, b := 2, 2",
			"a, b := 0, 2",
			"a, b := 1, 3",
			"a, b := 1, 1",
			"c := 2",
			"c := 4",
			"if total > a-b+c {",
			"if total > a+b-c {",
			"if total > a+b+c - 1 {",
			"if total > a+b+c + 1 {",
		}},
		{ChangeKey, []string{
			`paid, err := restate.Get[bool](ctx, "paid" + "~")`,
			`return fixtures.Charge(restate.Key(ctx) + time.Now().String(), "c", amount+1, "pay")`,
			`return fixtures.Charge("idempotency-key", "c", amount+1, "pay")`,
			`restate.Set(ctx, "paid" + "~", true)`,
			`_, err := restate.Service[string](ctx, "Other", "Call").Request("x", restate.WithIdempotencyKey("idempotency-key"))`,
			`_, err := restate.Service[string](ctx, "Other", "Call").Request("x", restate.WithIdempotencyKey("k" + time.Now().String()))`,
		}},
	}
	pkg := svc(t)
	for _, tc := range cases {
		t.Run(tc.op.String(), func(t *testing.T) {
			ms, _ := Generate("t", pkg, tc.op)
			var got []string
			for _, m := range ms {
				got = append(got, m.Line0)
				assert.Equal(t, tc.op, m.Operator)
				assert.NoError(t, pkg.Compiles(m.File, m.Src), m.ID)
			}
			assert.Equal(t, tc.want, got)
		})
	}
}

func TestMutatedSourceKeepsTheRestOfTheFile(t *testing.T) {
	pkg := svc(t)
	ms, _ := Generate("t", pkg, DropEffect)
	require.NotEmpty(t, ms)
	m := ms[0] // the Charge inside the Run: fixtures is no longer called, so imported as _
	assert.Contains(t, string(m.Src), "\t_ \"idempotency/fixtures\"\n")
	assert.Contains(t, string(m.Src), "\t\treturn \"\", error(nil)\n")
	assert.Equal(t, 22, m.Line)
	assert.Equal(t, 10, m.Col)
	assert.Contains(t, m.Diff, "-\t\treturn fixtures.Charge(restate.Key(ctx), \"c\", amount+1, \"pay\")\n+\t\treturn \"\", error(nil)\n")

	ms, _ = Generate("t", pkg, Nondeterminism)
	require.Len(t, ms, 2)
	assert.Contains(t, string(ms[1].Src), "\tmrand \"math/rand/v2\"\n", "the import the mutant needs is added")

	a := ms[1].Archive()
	require.Len(t, a.Files, 1)
	assert.Equal(t, "svc.go", a.Files[0].Name)
	assert.Equal(t, ms[1].Src, a.Files[0].Data)
}

func TestIDsAreStableAndDistinct(t *testing.T) {
	pkg := svc(t)
	first, _ := Generate("t", pkg)
	again, _ := Generate("t", pkg)
	require.Equal(t, len(first), len(again))
	seen := map[string]bool{}
	for i := range first {
		assert.Equal(t, first[i].ID, again[i].ID)
		assert.False(t, seen[first[i].ID], "duplicate id %s", first[i].ID)
		seen[first[i].ID] = true
	}
	// The ID names operator, file, line, column and a hash of the text.
	assert.Contains(t, seen, "drop-state-write/svc.go:27:2/46d96f")
}

func TestMutantsThatDoNotCompileAreDropped(t *testing.T) {
	pkg := svc(t)
	ms, st := Generate("t", pkg, SwapStmts)
	assert.Len(t, ms, 4)
	require.Len(t, st.Drops, 2, "total := n * 2 <-> total++, and c := 3 <-> the if that reads c")
	assert.Equal(t, 2, st.Dropped)
	assert.Equal(t, 2, st.DroppedBy[SwapStmts])
	for _, d := range st.Drops {
		assert.Contains(t, d.Error, "undefined")
	}
	assert.Equal(t, 6, st.Candidates)
}

// Every reference solution has mutants of every operator, and every reviewed equivalent
// is still one of them.
func TestEveryReferenceSolutionHasMutantsOfEveryKind(t *testing.T) {
	if testing.Short() {
		t.Skip("type-checks every solution")
	}
	seen := map[Operator]bool{}
	for _, ex := range []string{"ex1", "ex2", "ex3", "ex4", "ex5", "ex6"} {
		pkg, err := LoadDir(context.Background(), "../../..", filepath.Join("../../../solutions", ex))
		require.NoError(t, err)
		ms, _ := Generate(ex, pkg)
		assert.NotEmpty(t, ms, ex)
		for _, m := range ms {
			seen[m.Operator] = true
		}
		// A stale entry excuses nothing: give it the mutant's new id, or delete it.
		eqs, err := LoadEquivalents("../../..", ex)
		require.NoError(t, err)
		for _, eq := range Stale(ms, eqs) {
			t.Errorf("%s.equivalent lists %s, which is no mutant any more (go run ./cmd/mutate --only %s --list)", ex, eq.ID, ex)
		}
	}
	for _, op := range Operators {
		assert.True(t, seen[op], "no solution has a mutant of %s", op)
	}
}

func TestUnifiedDiff(t *testing.T) {
	a := []byte("a\nb\nc\nd\ne\nf\ng\n")
	b := []byte("a\nb\nc\nD\ne\nf\ng\n")
	assert.Equal(t, "--- a/x.go\n+++ b/x.go\n@@ -2,5 +2,5 @@\n b\n c\n-d\n+D\n e\n f\n", unifiedDiff("x.go", a, b, 2))
	assert.Equal(t, "D", changedLine(a, b))
	assert.Equal(t, "(deleted) d", changedLine(a, []byte("a\nb\nc\ne\nf\ng\n")))
}

func TestLoadEquivalents(t *testing.T) {
	root := t.TempDir()
	dir := filepath.Join(root, EquivalentDir)
	require.NoError(t, os.MkdirAll(dir, 0o755))
	require.NoError(t, os.WriteFile(filepath.Join(dir, "ex1.equivalent"), []byte(
		"# reviewed\n\nnegate/a.go:1:2/abcdef | if a || b { | nothing reads it\n"), 0o644))
	eqs, err := LoadEquivalents(root, "ex1")
	require.NoError(t, err)
	assert.Equal(t, map[string]Equivalent{"negate/a.go:1:2/abcdef": {ID: "negate/a.go:1:2/abcdef", Line: "if a || b {", Why: "nothing reads it"}}, eqs)

	eqs, err = LoadEquivalents(root, "ex2")
	require.NoError(t, err, "a missing list is empty")
	assert.Empty(t, eqs)

	require.NoError(t, os.WriteFile(filepath.Join(dir, "ex3.equivalent"), []byte("negate/a.go:1:2/abcdef | no reason\n"), 0o644))
	_, err = LoadEquivalents(root, "ex3")
	assert.ErrorContains(t, err, "want `<id> | <mutated line> | <why>`")
}

func TestSampleIsSeeded(t *testing.T) {
	var ms []*Mutant
	for i := range 20 {
		ms = append(ms, &Mutant{ID: strings.Repeat("x", i+1)})
	}
	a, b := Sample(ms, 5, 7), Sample(ms, 5, 7)
	require.Len(t, a, 5)
	assert.Equal(t, a, b)
	assert.NotEqual(t, a, Sample(ms, 5, 8))
	assert.Len(t, Sample(ms, 0, 7), 20)
}

func TestClassifyAndScore(t *testing.T) {
	type testCase struct {
		name     string
		statuses []grader.Status
		bonus    []bool
		err      string
		want     Status
	}
	cases := []testCase{
		{"full marks", []grader.Status{grader.StatusPass, grader.StatusPass}, nil, "", Survived},
		{"a failed criterion", []grader.Status{grader.StatusPass, grader.StatusFail}, nil, "", Killed},
		{"only the bonus failed", []grader.Status{grader.StatusPass, grader.StatusFail}, []bool{false, true}, "", Killed},
		{"could not judge", []grader.Status{grader.StatusPass, grader.StatusError}, nil, "", Errored},
		{"fail and error", []grader.Status{grader.StatusFail, grader.StatusError}, nil, "", Killed},
		{"does not build", []grader.Status{grader.StatusError, grader.StatusError}, nil, "your code does not compile, so nothing could be graded", Dropped},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			rep := &grader.Report{Error: tc.err}
			for i, st := range tc.statuses {
				rep.Criteria = append(rep.Criteria, grader.CriterionResult{ID: string(rune('a' + i)), Status: st, Bonus: i < len(tc.bonus) && tc.bonus[i]})
			}
			assert.Equal(t, tc.want, classify(&Mutant{}, rep).Status)
		})
	}

	m := func(id string, op Operator) *Mutant { return &Mutant{ID: id, Operator: op} }
	ex := Exercise{
		ID:  "ex1",
		All: []*Mutant{m("k", Negate), m("s", Negate), m("e", SwapStmts), m("x", Arith), m("v", Negate)},
		Results: []Result{
			{Mutant: m("k", Negate), Status: Killed},
			{Mutant: m("s", Negate), Status: Survived},
			{Mutant: m("e", SwapStmts), Status: Survived},
			{Mutant: m("x", Arith), Status: Errored},
			{Mutant: m("v", Negate), Status: Survived},
		},
		Equivalents: map[string]Equivalent{"e": {ID: "e", Why: "independent"}, "gone": {ID: "gone", Why: "was"},
			"v": {ID: "v", Why: NotGradedPrefix + ` "input validation is not scored"`}},
	}
	sum := Summarize([]Exercise{ex}, 1, 0, 3, testTime)
	es := sum.Exercises[0]
	assert.Equal(t, Tally{Graded: 5, Killed: 1, Survived: 1, Equivalent: 1, NotGraded: 1, Errors: 1, Score: 50}, es.Total)
	require.Len(t, es.Survivors, 1)
	assert.Equal(t, "s", es.Survivors[0].ID)
	require.Len(t, es.Stale, 1)
	assert.Equal(t, "gone", es.Stale[0].ID)
	assert.Equal(t, []Tally{
		{Operator: "negate", Graded: 3, Killed: 1, Survived: 1, NotGraded: 1, Score: 50},
		{Operator: "swap-stmts", Graded: 1, Equivalent: 1, Score: -1},
		{Operator: "arith", Graded: 1, Errors: 1, Score: -1},
	}, es.Operators)
	var text strings.Builder
	sum.WriteText(&text)
	assert.Contains(t, text.String(), "SURVIVED s")
	assert.Contains(t, text.String(), "STALE equivalent gone")
}

var testTime = mustTime()

func mustTime() (t time.Time) { return time.Date(2026, 12, 2, 12, 0, 0, 0, time.UTC) }
