package mutate

import (
	"fmt"
	"strings"
)

// unifiedDiff is a unified diff of two texts with ctx lines of context. The files are a
// few hundred lines, so a quadratic longest-common-subsequence table is fine.
func unifiedDiff(name string, a, b []byte, ctx int) string {
	x, y := lines(a), lines(b)
	ops := diffOps(x, y)
	var out strings.Builder
	fmt.Fprintf(&out, "--- a/%s\n+++ b/%s\n", name, name)
	// Each change wants ctx lines either side; hunks whose context overlaps merge.
	type span struct{ start, end int }
	var hunks []span
	for i, o := range ops {
		if o.kind == ' ' {
			continue
		}
		s := span{max(i-ctx, 0), min(i+ctx+1, len(ops))}
		if n := len(hunks); n > 0 && s.start <= hunks[n-1].end {
			hunks[n-1].end = s.end
			continue
		}
		hunks = append(hunks, s)
	}
	for _, h := range hunks {
		aStart, bStart, aN, bN := ops[h.start].a, ops[h.start].b, 0, 0
		for _, o := range ops[h.start:h.end] {
			if o.kind != '+' {
				aN++
			}
			if o.kind != '-' {
				bN++
			}
		}
		fmt.Fprintf(&out, "@@ -%d,%d +%d,%d @@\n", aStart+1, aN, bStart+1, bN)
		for _, o := range ops[h.start:h.end] {
			out.WriteByte(o.kind)
			out.WriteString(o.text)
			out.WriteByte('\n')
		}
	}
	return out.String()
}

// changedLine is what a reviewer reads of a mutant: its first added line, or the first
// deleted one marked "(deleted)".
func changedLine(a, b []byte) string {
	var deleted string
	for _, o := range diffOps(lines(a), lines(b)) {
		switch o.kind {
		case '+':
			return strings.TrimSpace(o.text)
		case '-':
			if deleted == "" {
				deleted = "(deleted) " + strings.TrimSpace(o.text)
			}
		case ' ':
			if deleted != "" {
				return deleted
			}
		}
	}
	return deleted
}

type diffOp struct {
	kind byte // ' ', '-', '+'
	text string
	a, b int // line index in a and b where this op starts
}

func lines(s []byte) []string {
	t := strings.TrimSuffix(string(s), "\n")
	if t == "" {
		return nil
	}
	return strings.Split(t, "\n")
}

func diffOps(x, y []string) []diffOp {
	// Trim the common prefix and suffix first: mutants change a line or two.
	pre := 0
	for pre < len(x) && pre < len(y) && x[pre] == y[pre] {
		pre++
	}
	suf := 0
	for suf < len(x)-pre && suf < len(y)-pre && x[len(x)-1-suf] == y[len(y)-1-suf] {
		suf++
	}
	mx, my := x[pre:len(x)-suf], y[pre:len(y)-suf]
	n, m := len(mx), len(my)
	lcs := make([][]int, n+1)
	for i := range lcs {
		lcs[i] = make([]int, m+1)
	}
	for i := n - 1; i >= 0; i-- {
		for j := m - 1; j >= 0; j-- {
			if mx[i] == my[j] {
				lcs[i][j] = lcs[i+1][j+1] + 1
			} else {
				lcs[i][j] = max(lcs[i+1][j], lcs[i][j+1])
			}
		}
	}
	var ops []diffOp
	for k := 0; k < pre; k++ {
		ops = append(ops, diffOp{' ', x[k], k, k})
	}
	i, j := 0, 0
	for i < n || j < m {
		switch {
		case i < n && j < m && mx[i] == my[j]:
			ops = append(ops, diffOp{' ', mx[i], pre + i, pre + j})
			i, j = i+1, j+1
		case i < n && (j == m || lcs[i+1][j] >= lcs[i][j+1]):
			ops = append(ops, diffOp{'-', mx[i], pre + i, pre + j})
			i++
		default:
			ops = append(ops, diffOp{'+', my[j], pre + i, pre + j})
			j++
		}
	}
	for k := 0; k < suf; k++ {
		ops = append(ops, diffOp{' ', x[len(x)-suf+k], len(x) - suf + k, len(y) - suf + k})
	}
	return ops
}
