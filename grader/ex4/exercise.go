// Package ex4 holds the scenarios that grade Exercise 4 (Subscription Service).
package ex4

import "idempotency/grader"

// Exercise returns Exercise 4 with its scenarios, one per criterion.
func Exercise() grader.Exercise {
	return grader.Exercise{
		ID:       "ex4",
		Title:    "Subscription Service",
		Stub:     "exercises/ex4",
		Solution: "solutions/ex4",
		// TODO: services, warm-up and scenarios.
	}
}
