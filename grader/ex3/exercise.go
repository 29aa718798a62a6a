// Package ex3 holds the scenarios that grade Exercise 3 (Inventory Reservation).
package ex3

import "idempotency/grader"

// Exercise returns Exercise 3 with its scenarios, one per criterion.
func Exercise() grader.Exercise {
	return grader.Exercise{
		ID:       "ex3",
		Title:    "Inventory Reservation",
		Stub:     "exercises/ex3",
		Solution: "solutions/ex3",
		// TODO: services, warm-up and scenarios.
	}
}
