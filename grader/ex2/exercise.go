// Package ex2 holds the scenarios that grade Exercise 2 (Email Service with Deduplication).
package ex2

import "idempotency/grader"

// Exercise returns Exercise 2 with its scenarios, one per criterion.
func Exercise() grader.Exercise {
	return grader.Exercise{
		ID:       "ex2",
		Title:    "Email Service with Deduplication",
		Stub:     "exercises/ex2",
		Solution: "solutions/ex2",
		// TODO: services, warm-up and scenarios.
	}
}
