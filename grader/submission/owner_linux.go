package submission

import (
	"os"
	"strconv"
	"strings"
)

// procStat returns the state and start time fields of /proc/PID/stat.
func procStat(pid int) (state byte, start uint64, ok bool) {
	b, err := os.ReadFile("/proc/" + strconv.Itoa(pid) + "/stat")
	if err != nil {
		return 0, 0, false
	}
	// The command name may hold spaces and parentheses: the fields start after the last ')'.
	s := string(b)
	i := strings.LastIndexByte(s, ')')
	if i < 0 {
		return 0, 0, false
	}
	f := strings.Fields(s[i+1:])
	// f[0] is field 3 (state); starttime is field 22.
	if len(f) < 20 {
		return 0, 0, false
	}
	start, err = strconv.ParseUint(f[19], 10, 64)
	if err != nil || len(f[0]) == 0 {
		return 0, 0, false
	}
	return f[0][0], start, true
}

func startTime(pid int) uint64 {
	_, start, _ := procStat(pid)
	return start
}

func alive(o Owner) bool {
	state, start, ok := procStat(o.PID)
	if !ok || state == 'Z' || state == 'X' {
		return false
	}
	return o.Start == 0 || start == o.Start
}
