// Package ex6 holds the scenarios that grade Exercise 6 (Distributed Transaction).
package ex6

import "idempotency/grader"

// Exercise returns Exercise 6 with its scenarios, one per criterion.
func Exercise() grader.Exercise {
	return grader.Exercise{
		ID:       "ex6",
		Title:    "Distributed Transaction",
		Stub:     "exercises/ex6",
		Solution: "solutions/ex6",
		// TODO: services, warm-up and scenarios.
	}
}
