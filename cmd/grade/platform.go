package main

import (
	goruntime "runtime"

	"idempotency/grader"
	rt "idempotency/grader/runtime"
)

// wsl2 is what the grader says to Windows users, in the README's words.
const wsl2 = "the grader does not run on Windows itself (no restate-server build for Windows, and no process groups): " +
	"install WSL2 (wsl --install), open an Ubuntu terminal, clone this repository there and run the same commands inside it"

// unsupportedPlatform stops a grading on Windows before anything is built, unless it
// uses a server the user runs.
func unsupportedPlatform(kind rt.Kind) error {
	if goruntime.GOOS == "windows" && kind != rt.External {
		return &exitError{code: grader.ExitNoJudge, msg: "grade: " + wsl2}
	}
	return nil
}
