package report

import (
	"fmt"
	"io"
	"strings"
	"time"

	"idempotency/grader"

	"github.com/fatih/color"
)

// Text writes the report for a person at a terminal. Colour is used only when color is
// true; callers decide (a TTY, no --no-color, no NO_COLOR).
func Text(w io.Writer, r *grader.Report, colorOn bool) error {
	p := newPalette(colorOn)
	var b strings.Builder
	fmt.Fprintf(&b, "%s  %s\n", p.bold(strings.ToUpper(r.Exercise)), p.bold(r.Title))
	fmt.Fprintf(&b, "grading %s · seed %d", r.Submission, r.Seed)
	if r.Runtime != "" {
		fmt.Fprintf(&b, " · restate-server: %s", r.Runtime)
	}
	b.WriteString("\n\n")

	for _, c := range r.Criteria {
		writeCriterion(&b, p, c)
	}

	b.WriteString("\n")
	fmt.Fprintf(&b, "%s %d/%d", p.bold("Score:"), r.Score, r.MaxScore)
	if r.BonusMax > 0 {
		fmt.Fprintf(&b, "   Bonus: %d/%d", r.BonusScore, r.BonusMax)
	}
	b.WriteString("\n")
	fmt.Fprintf(&b, "Seed %d (replay this run: %s)\n", r.Seed, replayCommand(r))
	if n := countStatus(r, grader.StatusError); n > 0 {
		fmt.Fprintf(&b, "%s the grader could not judge %d criteria (marked ERROR): that is a problem of the run, not a verdict on your code\n", p.yellow("Note:"), n)
	}
	t := r.Timings
	fmt.Fprintf(&b, "Took %s (build %s, server %s, service %s, scenarios %s)\n",
		ms(r.DurationMS), ms(t.Build), ms(t.Server), ms(t.Service), ms(t.Scenarios))
	if next := nextStep(r); next != "" {
		fmt.Fprintf(&b, "\n%s %s\n", p.bold("Next:"), next)
	}
	_, err := io.WriteString(w, b.String())
	return err
}

func writeCriterion(b *strings.Builder, p palette, c grader.CriterionResult) {
	var mark string
	switch c.Status {
	case grader.StatusPass:
		mark = p.green("PASS ")
	case grader.StatusFail:
		mark = p.red("FAIL ")
	default:
		mark = p.yellow("ERROR")
	}
	title := c.Title
	if c.Bonus {
		title = "(bonus) " + title
	}
	fmt.Fprintf(b, "  %s %3d/%-3d %s\n", mark, c.Points, c.MaxPoints, title)
	if c.Status == grader.StatusPass {
		return
	}
	fmt.Fprintf(b, "%s\n", indent(c.Evidence, "             "))
	if c.Status == grader.StatusFail && c.Hint != "" {
		fmt.Fprintf(b, "             %s %s\n", p.cyan("hint:"), c.Hint)
	}
	b.WriteString("\n")
}

// nextStep points at the first criterion that is not passing.
func nextStep(r *grader.Report) string {
	if r.Error != "" {
		return r.Error
	}
	for _, c := range r.Criteria {
		if c.Status == grader.StatusFail && !c.Bonus {
			return fmt.Sprintf("work on %q first. %s (more help: go run ./cmd/grade hint %s %s)", c.Title, c.Hint, r.Exercise, c.ID)
		}
	}
	for _, c := range r.Criteria {
		if c.Status == grader.StatusFail {
			return fmt.Sprintf("all criteria pass; try the bonus %q. %s", c.Title, c.Hint)
		}
	}
	return ""
}

func indent(s, prefix string) string {
	lines := strings.Split(strings.TrimRight(s, "\n"), "\n")
	for i, l := range lines {
		lines[i] = prefix + l
	}
	return strings.Join(lines, "\n")
}

func ms(v int64) string {
	d := time.Duration(v) * time.Millisecond
	return d.Round(10 * time.Millisecond).String()
}

type palette struct{ on bool }

func newPalette(on bool) palette { return palette{on: on} }

func (p palette) paint(attr color.Attribute, s string) string {
	if !p.on {
		return s
	}
	c := color.New(attr)
	c.EnableColor()
	return c.Sprint(s)
}

func (p palette) bold(s string) string   { return p.paint(color.Bold, s) }
func (p palette) green(s string) string  { return p.paint(color.FgGreen, s) }
func (p palette) red(s string) string    { return p.paint(color.FgRed, s) }
func (p palette) yellow(s string) string { return p.paint(color.FgYellow, s) }
func (p palette) cyan(s string) string   { return p.paint(color.FgCyan, s) }

// replayCommand is the command that grades the same package with the same seed.
func replayCommand(r *grader.Report) string {
	cmd := "go run ./cmd/grade " + r.Exercise
	if r.Submission != "" && r.Submission != "exercises/"+r.Exercise {
		cmd += " --dir " + r.Submission
	}
	return fmt.Sprintf("%s --seed %d", cmd, r.Seed)
}

func countStatus(r *grader.Report, st grader.Status) int {
	n := 0
	for _, c := range r.Criteria {
		if c.Status == st {
			n++
		}
	}
	return n
}
