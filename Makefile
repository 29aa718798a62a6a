# The README's commands. `make test` is what CI runs (through .ci/run).
GO ?= go

.PHONY: test unit vet bench selftest mutate mutate-sample

# Everything: vet, the Go tests, the kill matrix (each broken copy is graded once, here)
# and a seeded sample of generated mutants, every one of which must be killed. Here the Go
# tests skip go test's own subset of vet: the whole of it has just run (about 13 CPU-s).
test: UNITFLAGS = -vet=off
test: vet unit selftest mutate-sample

unit:
	$(GO) test -count=1 -timeout 20m $(UNITFLAGS) ./...

vet:
	$(GO) vet ./...

# Grades every solution, stub and broken copy and prints the kill matrix.
selftest:
	$(GO) run ./cmd/selftest --min-kills 2

# Speed targets are measured here, never asserted by a timed test.
bench:
	$(GO) test -run '^$$' -bench . -benchtime 3x -timeout 20m ./grader/selftest/bench/
	$(GO) test -run '^$$' -bench BenchmarkClass -benchtime 1x -timeout 40m ./grader/instructor/batch/
	bash .ci/bench

# Grades every generated mutant of every reference solution and prints the mutation
# score per exercise and operator, with each survivor's diff (a long run: see README).
mutate:
	$(GO) run ./cmd/mutate --out .grade/mutate

# Three mutants per exercise, drawn with seed 1 from those not reviewed as equivalent or
# not graded: each must be killed (a survivor is a regression, or a mutant to triage).
mutate-sample:
	$(GO) run ./cmd/mutate --sample 3 --min-score 100
