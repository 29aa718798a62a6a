package report

import (
	"fmt"
	"io"
	"regexp"
	"strings"
	"time"

	"idempotency/grader"

	"github.com/fatih/color"
)

// Text writes the report for a person at a terminal. Colour is used only when color is
// true; callers decide (a TTY, no --no-color, no NO_COLOR). Lines are not wrapped.
func Text(w io.Writer, r *grader.Report, colorOn bool) error {
	return TextWith(w, r, TextOptions{Color: colorOn})
}

// TextOptions say how Text renders for the terminal at hand.
type TextOptions struct {
	// Color paints the verdicts and labels.
	Color bool
	// Width wraps long lines (evidence, hints, the next step) to this many columns,
	// continuing each under its label; 0 leaves them long (not a terminal: a file, a pipe).
	Width int
}

// TextWith is Text with options.
func TextWith(w io.Writer, r *grader.Report, o TextOptions) error {
	p := newPalette(o.Color)
	p.width = o.Width
	var b strings.Builder
	fmt.Fprintf(&b, "%s  %s\n", p.bold(strings.ToUpper(r.Exercise)), p.bold(r.Title))
	head := fmt.Sprintf("grading %s · seed %d", r.Submission, r.Seed)
	if r.Runtime != "" {
		head += " · restate-server: " + runtimeLabel(r.Runtime)
	}
	b.WriteString(p.wrap("", head, ""))
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
	b.WriteString(p.wrap("", fmt.Sprintf("Seed %d (replay this run: %s)", r.Seed, replayCommand(r)), "") + "\n")
	if n := countStatus(r, grader.StatusError); n > 0 {
		note := fmt.Sprintf("Note: the grader could not judge %d criteria (marked ERROR): that is a problem of the run, not a verdict on your code", n)
		if strings.HasPrefix(r.Error, grader.DoesNotCompile) {
			note = fmt.Sprintf("Note: none of the %d criteria could be judged (marked ERROR) because your code does not compile: fix what the compiler says below", n)
		}
		b.WriteString(p.wrap("", note, p.yellow("Note:")) + "\n")
	}
	t := r.Timings
	fmt.Fprintf(&b, "Took %s (build %s, server %s, service %s, scenarios %s)\n",
		ms(r.DurationMS), ms(t.Build), ms(t.Server), ms(t.Service), ms(t.Scenarios))
	if next := nextStep(r); next != "" {
		fmt.Fprintf(&b, "\n%s\n", p.wrap("", "Next: "+next, p.bold("Next:")))
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
	// The title continues under itself, past "  FAIL    0/25  ".
	head := fmt.Sprintf("%s %3d/%-3d ", "FAIL ", c.Points, c.MaxPoints)
	fmt.Fprintf(b, "%s\n", strings.Replace(p.wrap("  ", head+title, ""), "FAIL ", mark, 1))
	if c.Status == grader.StatusPass {
		return
	}
	for _, l := range strings.Split(strings.TrimRight(c.Evidence, "\n"), "\n") {
		fmt.Fprintf(b, "%s\n", p.wrap(evidenceIndent, l, ""))
	}
	writeTimeline(b, p, c.Timeline)
	if c.Status == grader.StatusFail && c.Hint != "" {
		fmt.Fprintf(b, "%s\n", p.wrap(evidenceIndent, "hint: "+c.Hint, p.cyan("hint:")))
	}
	b.WriteString("\n")
}

var ansiCode = regexp.MustCompile("\x1b\\[[0-9;]*m")

// evidenceIndent puts evidence and hints under a criterion's title.
const evidenceIndent = "             "

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

func ms(v int64) string {
	d := time.Duration(v) * time.Millisecond
	return d.Round(10 * time.Millisecond).String()
}

type palette struct {
	on    bool
	width int // wrap to this many columns; 0: no wrap
}

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
func (p palette) faint(s string) string  { return p.paint(color.Faint, s) }

// sym picks a symbol: the Unicode one with colour (a terminal), plain ASCII without.
func (p palette) sym(unicode, ascii string) string {
	if p.on {
		return unicode
	}
	return ascii
}

// runtimeLabel names the server for people; the JSON keeps the kind ("native").
func runtimeLabel(kind string) string {
	switch kind {
	case "native":
		return "native binary"
	case "external":
		return "external server (yours)"
	}
	return kind
}

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
