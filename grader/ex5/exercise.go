// Package ex5 holds the scenarios that grade Exercise 5 (Idempotent Webhook Handler).
package ex5

import "idempotency/grader"

// Exercise returns Exercise 5 with its scenarios, one per criterion.
func Exercise() grader.Exercise {
	return grader.Exercise{
		ID:       "ex5",
		Title:    "Idempotent Webhook Handler",
		Stub:     "exercises/ex5",
		Solution: "solutions/ex5",
		// TODO: services, warm-up and scenarios.
	}
}
