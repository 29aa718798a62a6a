// Package mutate measures the grader with generated mutants of the reference solutions.
//
// It parses each solutions/exN package with go/ast and go/types, applies Restate-aware
// mutation operators at every place they fit (unwrap a restate.Run, delete a guard,
// flip a comparison, drop a state write, ...), keeps the mutants that still type-check,
// and grades each one, as an overlay holding the one changed file, with a fixed seed.
// A mutant is killed when some criterion fails, survives when it gets full marks
// (bonus included), and is an error when the grader could not judge it. The mutation
// score is killed / (killed + survived - equivalent), per exercise and per operator.
//
// Mutants are text edits at positions found in the AST, not reprinted syntax trees, so
// a mutant's diff is the one line it changes. Its ID names the operator, the file, the
// line and column of the edit and a short hash of the original and replacement text:
// it stays the same across runs and across edits elsewhere in the file.
package mutate
