// Package deploy holds the course-tool integrations of the grader (a Gradescope
// run_autograder and GitHub Actions workflows for GitHub Classroom and for grading a class
// in shards) and the tests that run them on this machine, as far as it allows.
package deploy
