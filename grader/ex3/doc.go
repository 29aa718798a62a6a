// Package ex3 holds the scenarios that grade Exercise 3, the InventoryService. It talks
// to a submission only through Restate's ingress, the fault proxy, the service process
// (restarted once) and Restate's SQL introspection; it never reads the submission's state.
package ex3
