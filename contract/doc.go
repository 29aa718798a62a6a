// Package contract holds what a submission and the grader agree on: the names and
// shapes in contract/exN, and how an implementation is served (contract/serve).
// The grader imports contract packages, never exercises/ or solutions/.
package contract
