package report

import (
	"fmt"
	"io"
	"strings"
	"unicode/utf8"

	"idempotency/grader"
)

// The drawing of a timeline: a column per attempt, a row per journal step or gateway
// call. It fits 100 columns: the evidence indent, the step labels, and at most
// maxColumns attempts (the first ones and the last).
const (
	labelWidth = 32
	cellWidth  = 13
	maxColumns = 4
	// maxRows caps the rows drawn: the rows where attempts differ, with a row of context
	// either side, and the first and last step.
	maxRows = 12
)

// InvocationText draws one invocation's timeline on its own (play prints one for each
// invocation made by hand), indented by two spaces.
func InvocationText(w io.Writer, inv grader.InvocationTimeline, o TextOptions) error {
	p := newPalette(o.Color)
	p.width = o.Width
	var b strings.Builder
	writeInvocation(&b, p, inv, "  ")
	_, err := io.WriteString(w, b.String())
	return err
}

// writeTimeline draws tl under a failed criterion.
func writeTimeline(b *strings.Builder, p palette, tl *grader.Timeline) {
	if tl == nil {
		return
	}
	for _, inv := range tl.Invocations {
		writeInvocation(b, p, inv, evidenceIndent)
	}
	if tl.More > 0 {
		fmt.Fprintf(b, "%s(%d other invocations of this check are not drawn)\n", evidenceIndent, tl.More)
	}
}

func writeInvocation(b *strings.Builder, p palette, inv grader.InvocationTimeline, base string) {
	fmt.Fprintf(b, "%s%s %s: %s\n", base, p.bold("what Restate did:"), inv.Target, inv.Outcome)
	cols := columns(len(inv.Attempts))
	indent := base + "  "

	head := pad("step", labelWidth)
	for i, k := range cols {
		if i > 0 && k != cols[i-1]+1 {
			head += pad("...", 4)
		}
		head += pad(fmt.Sprintf("attempt %d", inv.Attempts[k].N), cellWidth)
	}
	fmt.Fprintf(b, "%s%s\n", indent, p.bold(strings.TrimRight(head, " ")))

	shown := shownRows(inv.Steps)
	hidden := 0
	var notes []string // gateway calls too long for the label column, in full
	for i, s := range inv.Steps {
		if !shown[i] {
			hidden++
			continue
		}
		if hidden > 0 {
			fmt.Fprintf(b, "%s%s\n", indent, p.faint(fmt.Sprintf("... %d steps alike", hidden)))
			hidden = 0
		}
		note := 0
		if s.Kind == "gateway" && utf8.RuneCountInString("-> "+s.Label) >= labelWidth {
			notes = append(notes, s.Label)
			note = len(notes)
		}
		fmt.Fprintf(b, "%s%s\n", indent, strings.TrimRight(row(p, stepLabel(p, s, note), cols, func(k int) string { return markText(p, s.Marks[k]) }), " "))
	}
	if hidden > 0 {
		fmt.Fprintf(b, "%s%s\n", indent, p.faint(fmt.Sprintf("... %d steps alike", hidden)))
	}
	fmt.Fprintf(b, "%s%s\n", indent, strings.TrimRight(row(p, "ended", cols, func(k int) string { return endText(p, inv.Attempts[k]) }), " "))
	for i, n := range notes {
		fmt.Fprintf(b, "%s\n", p.wrap(indent, fmt.Sprintf("[%d] %s", i+1, n), ""))
	}
	for _, l := range attemptNotes(inv) {
		fmt.Fprintf(b, "%s\n", p.wrap(indent, l, ""))
	}
	if inv.Note != "" {
		fmt.Fprintf(b, "%s\n", p.wrap(indent, "so: "+inv.Note, p.cyan("so:")))
	}
}

// row lays out a label and one cell per attempt column; cell texts may be painted, so
// widths are measured on the text without its colour.
func row(p palette, label string, cols []int, cell func(k int) string) string {
	out := label + strings.Repeat(" ", max(0, labelWidth-visibleLen(label)))
	for i, k := range cols {
		if i > 0 && k != cols[i-1]+1 {
			out += pad("", 4)
		}
		c := cell(k)
		out += c + strings.Repeat(" ", max(1, cellWidth-visibleLen(c)))
	}
	return out
}

// columns picks the attempts drawn: all, or the first ones and the last two.
func columns(n int) []int {
	var out []int
	for k := range n {
		if n <= maxColumns || k < maxColumns-2 || k >= n-2 {
			out = append(out, k)
		}
	}
	return out
}

// shownRows keeps every row of a short timeline; of a long one, the rows where
// something other than recording and replaying happened, a row either side, and the
// first and last.
func shownRows(steps []grader.TimelineStep) []bool {
	shown := make([]bool, len(steps))
	if len(steps) <= maxRows {
		for i := range shown {
			shown[i] = true
		}
		return shown
	}
	shown[0], shown[len(steps)-1] = true, true
	for i, s := range steps {
		if notable(s) {
			for j := max(0, i-1); j <= min(len(steps)-1, i+1); j++ {
				shown[j] = true
			}
		}
	}
	return shown
}

func notable(s grader.TimelineStep) bool {
	if s.Kind == "gateway" {
		return true
	}
	for _, m := range s.Marks {
		if m == grader.MarkMismatch || m == grader.MarkCrashed {
			return true
		}
	}
	return false
}

// stepLabel names a row: a journal step with its index, a gateway call with an arrow.
func stepLabel(p palette, s grader.TimelineStep, note int) string {
	if s.Kind == "gateway" {
		if note > 0 {
			gw, _, _ := strings.Cut(s.Label, " ")
			return p.yellow(clip(fmt.Sprintf("-> %s [%d]", gw, note), labelWidth-1))
		}
		return p.yellow("-> " + s.Label)
	}
	return clip(fmt.Sprintf("#%d %s", s.Step, s.Label), labelWidth-1)
}

// markText is a cell: a word, with a symbol in front when colour (a terminal) is on.
func markText(p palette, m grader.Mark) string {
	switch m {
	case grader.MarkRecorded:
		return p.green(p.sym("●", "+") + " recorded")
	case grader.MarkReplayed:
		return p.faint(p.sym("↺", "=") + " replayed")
	case grader.MarkMismatch:
		return p.red(p.sym("≠", "!") + " MISMATCH")
	case grader.MarkCrashed:
		return p.red(p.sym("✗", "X") + " crashed")
	case grader.MarkCalled:
		return p.yellow(p.sym("→", ">") + " sent")
	case grader.MarkAgain:
		return p.red(p.sym("‼", "!") + " SENT AGAIN")
	case grader.MarkFailed:
		return p.faint(p.sym("→", ">") + " failed")
	}
	return p.faint(p.sym("·", "."))
}

func endText(p palette, a grader.TimelineAttempt) string {
	switch a.End {
	case "completed":
		return p.green(a.End)
	case "suspended":
		return p.faint(a.End)
	}
	return p.red(a.End)
}

// attemptNotes says how the attempts that did not complete ended: the fault the grader
// injected, the error the service sent (attempts alike are named together).
func attemptNotes(inv grader.InvocationTimeline) []string {
	var lines []string
	var group []int
	var what string
	flush := func() {
		if len(group) == 0 {
			return
		}
		name := fmt.Sprintf("attempt %d", group[0])
		if len(group) > 1 {
			name = fmt.Sprintf("attempts %d-%d", group[0], group[len(group)-1])
		}
		lines = append(lines, name+": "+what)
		group = nil
	}
	for _, a := range inv.Attempts {
		var w string
		switch {
		case a.Fault != "":
			w = "crashed by the grader (" + a.Fault + ")"
		case a.Error != "":
			w = "your service answered " + a.Error
		case a.End == "broken":
			w = "the connection to your service broke (it crashed, or was restarted)"
		}
		if w != what || w == "" {
			flush()
		}
		what = w
		if w != "" {
			group = append(group, a.N)
		}
	}
	flush()
	if inv.HiddenAttempts > 0 {
		lines = append(lines, fmt.Sprintf("(%d attempts in the middle not drawn)", inv.HiddenAttempts))
	}
	return lines
}

func pad(s string, w int) string {
	return s + strings.Repeat(" ", max(1, w-utf8.RuneCountInString(s)))
}

func clip(s string, w int) string {
	if utf8.RuneCountInString(s) <= w {
		return s
	}
	r := []rune(s)
	return string(r[:w-3]) + "..."
}

// visibleLen counts the columns a painted string takes.
func visibleLen(s string) int {
	return utf8.RuneCountInString(ansiCode.ReplaceAllString(s, ""))
}
