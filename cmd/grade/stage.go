package main

import (
	"path/filepath"

	"idempotency/grader/instructor/batch"
	"idempotency/grader/submission"
)

// stage copies the *.go files of a submission kept anywhere (a learner's own repository,
// say) into a fresh package of this module, as compare and batch do, so that it is built
// with the module's contract and fixtures. The copy is marked with this grader, so that
// the next grader removes it should this one be killed before cleanup runs.
func stage(root, dir, exercise string) (string, func(), error) {
	staged, cleanup, err := batch.Stage(root, dir, exercise)
	if err != nil {
		return "", nil, err
	}
	if err := submission.MarkOwned(filepath.Dir(staged)); err != nil {
		cleanup()
		return "", nil, err
	}
	return staged, cleanup, nil
}
