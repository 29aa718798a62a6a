// Package grader is the grading engine: it builds a submission, starts restate-server,
// the fixture world and the fault proxy, registers the submission, runs an exercise's
// scenarios against it concurrently and turns what they observed into a Report.
//
// A scenario judges one success criterion. It returns nil (pass), a *Failure (the
// submission failed, with evidence), or any other error (the grader could not judge).
package grader
