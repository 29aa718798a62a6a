package main

import (
	"context"
	"fmt"
	"io"
	"strings"

	"idempotency/grader"
	"idempotency/grader/catalog"
)

// command is one word of the command line. commands() is the only list of them: the
// top-level usage, `grade help CMD`, `grade CMD --help` and the dispatch all read it, so
// the usage cannot drift from what exists.
type command struct {
	name    string // "watch"; the grading command's is gradeName
	group   string // a heading of the top-level usage
	args    string // what follows the name in its usage line
	summary string // its line in the top-level usage
	about   string // what `grade help NAME` says before the flags; ends with the exit status
	run     func(ctx context.Context, args []string, stdout, stderr io.Writer) error
}

// The groups of the top-level usage, in order.
const (
	groupGrading    = "Grading"
	groupLearner    = "Learner loop"
	groupInstructor = "Instructor"
)

// gradeName stands for an exercise id (or all) in the table.
const gradeName = "<exercise>"

func commands() []command {
	return []command{
		{name: gradeName, group: groupGrading, args: "[flags]",
			summary: "grade an exercise (yours, --solution, or --dir PATH from anywhere)",
			about: `Grades one exercise (` + exerciseRange() + `), or all of them, against a real restate-server,
and prints for each criterion pass or fail with points, what the grader sent, expected
and observed, and a hint. Without --solution or --dir it grades your exercises/exN.
--dir may name a folder anywhere (its *.go files are copied into this module and graded
there) or a .txtar overlay applied to the reference solution.

Exit status: 0 every scored criterion passes (bonus criteria do not count), 1 some fail,
2 usage error, 3 the grader could not judge (the code does not compile or start, the
server did not start); then every criterion is reported as error, never fail.`,
			run: gradeCmd},
		// all shares the grading command's usage (help all shows it).
		{name: "all", group: groupGrading, args: "[flags]", summary: "grade every exercise, one report each", run: gradeCmd},
		{name: "list", group: groupGrading, summary: "list the exercises and their criteria, with points",
			about: "Lists every exercise and its criteria with their points.\n\nExit status: 0.",
			run:   listCmd},

		{name: "progress", group: groupLearner, summary: "your best score per exercise and what to do next (the default)",
			about: "Lists every exercise with your best score, your runs and the next thing to do. Runs of your\nexercises/exN (or of a --dir outside this module) are remembered.\n\nExit status: 0.",
			run:   progressCmd},
		{name: "watch", group: groupLearner, args: "<exercise> [flags]", summary: "grade now and again every time you save",
			about: `Grades the exercise, then again every time you save a .go file of its package (or of
--dir PATH, anywhere), and says which criteria changed. restate-server keeps running
between runs. Ctrl-C (or closing the terminal) stops everything.

Exit status: 0 when stopped, 2 usage error, 3 the grader could not start.`,
			run: watchCmd},
		{name: "play", group: groupLearner, args: "<exercise> [flags]", summary: "run your service and call it by hand with curl",
			about: `Starts restate-server, the fixture world and your service, registers it, prints a curl
command for every handler, then shows the gateway calls your service makes as they
happen. Ctrl-C stops everything.

Exit status: 0 when stopped, 2 usage error, 3 the grader could not start.`,
			run: playCmd},
		{name: "hint", group: groupLearner, args: "<exercise> [criterion]", summary: "one more level of help for a criterion",
			about: "Shows the criterion's hint, then one more level each time you run it. Without a criterion,\nthe first one that failed in your last run.\n\nExit status: 0, 2 usage error.",
			run:   hintCmd},
		{name: "doctor", group: groupLearner, args: "[flags]", summary: "check that this machine is ready, and how to fix it",
			about: `Checks Go, Node.js and npm, the cached restate-server, Docker, the restate image and which
restate-server --runtime auto will use, the platform, and loopback ports, and says how
to fix each problem. It also removes what a grader that was killed left behind.

Exit status: 0 ready, 1 some problem, 2 usage error.`,
			run: doctorCmd},

		{name: "batch", group: groupInstructor, args: "DIR [ex1 ... | all] [flags]", summary: "grade a class of submissions and write its reports",
			about: `Grades every submission in DIR (one subdirectory per learner, holding exercises/exN or
exN) with this module's contract, fixtures and grader, under limits for untrusted code,
and writes the class's reports to --out.

Exit status: 0 the class was graded (whatever the scores), 2 usage error, 3 the grader
could not run.`,
			run: batchCmd},
		{name: "compare", group: groupInstructor, args: "<exercise> --dir PATH [flags]", summary: "one submission against the reference solution, same seed",
			about: `Grades the submission in PATH (anywhere: its *.go files are copied into this module) and
the reference solution with the same seed and shows, criterion by criterion, where the
observations differ.

Exit status: 0 no difference, 1 some, 2 usage error.`,
			run: compareCmd},
		{name: "merge", group: groupInstructor, args: "--out DIR SHARD... [flags]", summary: "combine the reports of batch shards into one",
			about: `Combines the class.json of each shard (batch --shard i/n, same --seed) into one class
report and writes every format to --out. A SHARD is a class.json or the folder holding it.

Exit status: 0, 2 usage error, 3 the reports could not be written.`,
			run: mergeCmd},
	}
}

// exerciseRange is "ex1 ... ex6", from the catalogue.
func exerciseRange() string {
	all := catalog.All()
	if len(all) == 0 {
		return "exN"
	}
	return all[0].ID + " ... " + all[len(all)-1].ID
}

// lookupCommand finds the command a first argument names: an exercise id or all is the
// grading command.
func lookupCommand(name string) (command, bool) {
	if _, ok := catalog.Lookup(name); ok {
		name = gradeName
	}
	for _, c := range commands() {
		if c.name == name {
			return c, true
		}
	}
	return command{}, false
}

// usageLine is the command's first line of help.
func (c command) usageLine() string {
	name := c.name
	if name == gradeName {
		name = "<exercise|all>"
	}
	return strings.TrimSpace("usage: go run ./cmd/grade " + name + " " + c.args)
}

// topUsage is what `grade help` prints.
func topUsage() string {
	var b strings.Builder
	b.WriteString("usage: go run ./cmd/grade <command> [arguments]\n\n")
	b.WriteString("Grades the idempotency exercises against a real restate-server.\n")
	group := ""
	for _, c := range commands() {
		if c.group != group {
			group = c.group
			fmt.Fprintf(&b, "\n%s:\n", group)
		}
		name := c.name
		if name == gradeName {
			name = exerciseRange()
		}
		fmt.Fprintf(&b, "  %-15s %s\n", name, c.summary)
	}
	b.WriteString(`
  help [command]  this, or a command's usage, flags and exit status

Exit status of grading: 0 every scored criterion passes, 1 some fail, 2 usage error,
3 the grader could not judge. Each command's help gives its own.
`)
	return b.String()
}

// helpCmd is `grade help [command]`.
func helpCmd(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	switch len(args) {
	case 0:
		_, err := io.WriteString(stdout, topUsage())
		return err
	case 1:
		name := args[0]
		if name == "grade" || name == "help" {
			_, err := io.WriteString(stdout, topUsage())
			return err
		}
		c, ok := lookupCommand(name)
		if !ok {
			return usageErr("help", "unknown command %q", name)
		}
		if c.name == "all" {
			c, _ = lookupCommand(gradeName)
		}
		return c.run(ctx, []string{"--help"}, stdout, stderr)
	default:
		return usageErr("help", "name one command")
	}
}

// usageErr is a usage error: one line on stderr, exit status 2, nothing started.
func usageErr(cmd, format string, args ...any) error {
	prefix := "grade: "
	see := "go run ./cmd/grade help"
	if cmd != "" {
		prefix = "grade " + cmd + ": "
		see += " " + cmd
	}
	return &exitError{code: grader.ExitUsage, msg: prefix + fmt.Sprintf(format, args...) + " (see: " + see + ")"}
}
