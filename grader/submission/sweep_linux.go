package submission

import (
	"bytes"
	"os"
	"path/filepath"
	"strconv"
)

// sweepProcesses kills every process whose environment names a grader that is gone.
// The parent-death signal kills a service with its grader already; this catches what
// it cannot: anything the service forked, and a build or server caught mid-start.
func sweepProcesses(l *Leftovers) int {
	procs, _ := filepath.Glob("/proc/[0-9]*/environ")
	me := os.Getpid()
	key := []byte(OwnerEnv + "=")
	n := 0
	for _, p := range procs {
		pid, err := strconv.Atoi(filepath.Base(filepath.Dir(p)))
		if err != nil || pid == me {
			continue
		}
		env, err := os.ReadFile(p) // only our own user's processes (or all, as root)
		if err != nil {
			continue
		}
		for _, kv := range bytes.Split(env, []byte{0}) {
			v, ok := bytes.CutPrefix(kv, key)
			if !ok {
				continue
			}
			if o, ok := ParseOwner(string(v)); ok && !o.Alive() {
				if state, _, ok := procStat(pid); ok && state != 'Z' {
					killPID(pid)
					n++
					l.owner(o)
				}
			}
			break
		}
	}
	return n
}
