// Package submission builds a learner's service with `go build` and runs it as a child
// process in its own process group, so that a panic, a hang or os.Exit in learner code
// costs the learner points and never the grader.
package submission
