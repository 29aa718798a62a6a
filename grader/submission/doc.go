// Package submission builds a learner's service with `go build` and runs it as a child
// process in its own process group, so that a panic, a hang or os.Exit in learner code
// costs the learner points and never the grader.
//
// The service dies with its grader, however the grader dies (a parent-death signal on
// Linux), and carries its grader's Owner in its environment; Sweep, at the next grader's
// start, removes what a killed grader could not: stray processes, its own temp dir
// (OwnTempDir), its cgroups and its staged copies (MarkOwned).
package submission
