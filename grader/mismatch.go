package grader

import (
	"regexp"
	"strings"
)

// MismatchDetail keeps the lines of Restate's journal mismatch message that say where
// and how the attempts differed; a differing value is shown around where it diverges.
func MismatchDetail(msg string) string {
	var keep []string
	for _, line := range strings.Split(msg, "\n") {
		line = strings.TrimSpace(line)
		switch {
		case strings.HasPrefix(line, "- The mismatch"):
			keep = append(keep, line)
		case strings.HasPrefix(line, "value:"):
			if m := mismatchValues.FindStringSubmatch(line); m != nil {
				keep = append(keep, "first attempt: "+around(m[1], m[2]), "retry:         "+around(m[2], m[1]))
			} else {
				keep = append(keep, line)
			}
		}
	}
	if len(keep) == 0 {
		return msg
	}
	return strings.Join(keep, "\n")
}

var mismatchValues = regexp.MustCompile(`^value: '(.*)' != '(.*)'$`)

// around shows a where it starts to differ from b.
func around(a, b string) string {
	p := 0
	for p < len(a) && p < len(b) && a[p] == b[p] {
		p++
	}
	from, to := max(0, p-60), min(len(a), p+80)
	out := a[from:to]
	if from > 0 {
		out = "..." + out
	}
	if to < len(a) {
		out += "..."
	}
	return out
}
