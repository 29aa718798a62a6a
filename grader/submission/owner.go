package submission

import (
	"fmt"
	"os"
	"strconv"
	"strings"
	"sync"
)

// OwnerEnv is the environment variable that names the grader process owning a child
// (a learner's service, restate-server, a build): the sweep finds orphans by it.
const OwnerEnv = "IDEM_GRADER_OWNER"

// Owner names a grader process by its pid and its start time, so that a pid the kernel
// has since given to another process is not mistaken for the grader.
type Owner struct {
	PID   int
	Start uint64 // clock ticks after boot (Linux); 0 where the platform does not say
}

var self = sync.OnceValue(func() Owner {
	return Owner{PID: os.Getpid(), Start: startTime(os.Getpid())}
})

// Self is this process as an owner.
func Self() Owner { return self() }

// String is "PID-START", the form used in labels, environment values and names.
func (o Owner) String() string { return fmt.Sprintf("%d-%d", o.PID, o.Start) }

// ParseOwner reads what String wrote.
func ParseOwner(s string) (Owner, bool) {
	p, st, ok := strings.Cut(s, "-")
	pid, err1 := strconv.Atoi(p)
	start, err2 := strconv.ParseUint(st, 10, 64)
	if !ok || err1 != nil || err2 != nil || pid <= 0 {
		return Owner{}, false
	}
	return Owner{PID: pid, Start: start}, true
}

// Alive says whether the owner still runs: the pid exists, is not a zombie, and (where
// the platform gives start times) started when the owner did.
func (o Owner) Alive() bool {
	if o == Self() {
		return true
	}
	return alive(o)
}

// OwnerEnvVar is the KEY=VALUE pair that marks a child of this grader.
func OwnerEnvVar() string { return OwnerEnv + "=" + Self().String() }
