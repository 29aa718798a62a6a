// Package bench measures the grader's speed targets (`make bench`). Speed is measured
// here and reported in the README, never asserted by a timed test.
package bench
