package report

import (
	"regexp"
	"strings"
	"unicode/utf8"
)

// label is what a continuation line hangs under: "sent:     ", "hint: ", "Next: ", a
// list bullet, a criterion's "FAIL    0/25  ", or plain leading spaces.
var label = regexp.MustCompile(`^(?:[A-Za-z][A-Za-z ()-]{0,20}:\s+|[A-Z]+\s+\d+/\d+\s+|\s*[-*+]\s+|\s+)`)

// wrap breaks one line to the palette's width: the first line starts with indent, and
// each continuation with indent and as many spaces as the line's label is long, so the
// text keeps its column. A word longer than the room (a URL, a key) stays whole. When
// painted is not empty it replaces the label's first word (colour is added after
// measuring, since escape codes take no columns).
func (p palette) wrap(indent, line, painted string) string {
	if strings.Contains(line, "\n") {
		parts := strings.Split(line, "\n")
		for i, l := range parts {
			if i > 0 {
				painted = ""
			}
			parts[i] = p.wrap(indent, l, painted)
		}
		return strings.Join(parts, "\n")
	}
	out := indent + line
	if strings.TrimSpace(line) == "" {
		return out
	}
	if p.width > 0 && utf8.RuneCountInString(out) > p.width {
		out = wrapText(indent, line, p.width)
	}
	if painted != "" {
		if i := strings.Index(out, strings.Fields(line)[0]); i >= 0 {
			out = out[:i] + painted + out[i+len(strings.Fields(line)[0]):]
		}
	}
	return out
}

func wrapText(indent, line string, width int) string {
	lab := label.FindString(line)
	hang := indent + strings.Repeat(" ", utf8.RuneCountInString(lab))
	room := width - utf8.RuneCountInString(hang)
	if room < 20 {
		// A terminal too narrow for a hanging indent: wrap at the indent only.
		hang, room = indent, width-utf8.RuneCountInString(indent)
		if room < 20 {
			return indent + line
		}
	}
	var b strings.Builder
	b.WriteString(indent + lab)
	col := utf8.RuneCountInString(indent + lab)
	start := true
	for _, w := range strings.Fields(line[len(lab):]) {
		n := utf8.RuneCountInString(w)
		if !start && col+1+n > width {
			b.WriteString("\n" + hang)
			col = utf8.RuneCountInString(hang)
			start = true
		}
		if !start {
			b.WriteString(" ")
			col++
		}
		b.WriteString(w)
		col += n
		start = false
	}
	return b.String()
}
