// Package doctor checks that a machine can run the grader, and says how to fix what is
// missing: the platform (Windows users are sent to WSL2), Go, Node.js and npm, the cached
// restate-server, a Docker engine and the restate image, which restate-server --runtime
// auto will use and why, and loopback ports.
package doctor

import (
	"context"
	"fmt"
	"io"
	"net"
	"os"
	"os/exec"
	"regexp"
	goruntime "runtime"
	"strconv"
	"strings"
	"time"

	"idempotency/grader/runtime"
)

// Level says how much a finding matters.
type Level string

// The levels of a finding: OK works; Note is optional or informational; Problem stops the
// grader (or its first run) from working.
const (
	OK      Level = "ok"
	Note    Level = "note"
	Problem Level = "PROBLEM"
)

// Finding is the result of one check.
type Finding struct {
	Check string // "Go", "npm", "restate-server", ...
	Level Level
	What  string // what was found
	Fix   string // how to fix it (Problem and some Notes)
}

// Config says what to check.
type Config struct {
	// Ports are loopback ports someone running the exercises by hand uses (nil = the
	// defaults: restate-server's 8080, 9070 and 5122, and the services' 9080).
	Ports []int
	// Image is the restate container image (empty = runtime.DefaultImage).
	Image string
	// GoVersion is the minimum Go release ("1.26").
	GoVersion string
}

// DefaultPorts are restate-server's ingress, admin and node ports and the port a service
// listens on when PORT is not set.
var DefaultPorts = []int{8080, 9070, 5122, 9080}

// Check runs every check.
func Check(ctx context.Context, cfg Config) []Finding {
	if cfg.Ports == nil {
		cfg.Ports = DefaultPorts
	}
	if cfg.Image == "" {
		cfg.Image = runtime.DefaultImage
	}
	if cfg.GoVersion == "" {
		cfg.GoVersion = "1.26"
	}
	var out []Finding
	out = append(out, checkPlatform(goruntime.GOOS))
	out = append(out, checkGo(ctx, cfg.GoVersion))
	server, cached := checkServer(ctx)
	out = append(out, checkNode(cached)...)
	out = append(out, server)
	out = append(out, checkDocker(ctx, cfg.Image)...)
	out = append(out, checkPorts(cfg.Ports)...)
	return out
}

// Problems counts the findings at level Problem.
func Problems(fs []Finding) int {
	n := 0
	for _, f := range fs {
		if f.Level == Problem {
			n++
		}
	}
	return n
}

var goVersionRE = regexp.MustCompile(`go(\d+)\.(\d+)`)

func checkGo(ctx context.Context, min string) Finding {
	f := Finding{Check: "Go"}
	path, err := exec.LookPath("go")
	if err != nil {
		f.Level, f.What = Problem, "the go command is not on your PATH"
		f.Fix = "install Go " + min + " or newer from https://go.dev/dl/ and open a new terminal"
		return f
	}
	out, err := command(ctx, path, "version")
	if err != nil {
		f.Level, f.What = Problem, fmt.Sprintf("%s version failed: %v", path, err)
		f.Fix = "reinstall Go " + min + " or newer from https://go.dev/dl/"
		return f
	}
	f.What = strings.TrimSpace(out)
	if m := goVersionRE.FindStringSubmatch(out); m != nil && older(m[1], m[2], min) {
		f.Level = Problem
		f.Fix = "this module needs Go " + min + " or newer: install it from https://go.dev/dl/"
		return f
	}
	f.Level = OK
	return f
}

func older(major, minor, min string) bool {
	want := strings.SplitN(min, ".", 2)
	a, _ := strconv.Atoi(major)
	b, _ := strconv.Atoi(minor)
	wa, _ := strconv.Atoi(want[0])
	wb := 0
	if len(want) > 1 {
		wb, _ = strconv.Atoi(want[1])
	}
	return a < wa || (a == wa && b < wb)
}

// checkNode: npm installs restate-server on the first run; once it is cached (or given
// by RESTATE_SERVER_BIN), Node.js is not needed.
func checkNode(serverCached bool) []Finding {
	var out []Finding
	for _, tool := range []string{"node", "npm"} {
		f := Finding{Check: tool}
		path, err := exec.LookPath(tool)
		switch {
		case err == nil:
			f.Level, f.What = OK, path
		case serverCached:
			f.Level, f.What = Note, tool+" is not on your PATH (not needed: restate-server is already there)"
		default:
			f.Level, f.What = Problem, tool+" is not on your PATH, and the first run needs npm to download restate-server"
			f.Fix = "install Node.js (it brings npm) from https://nodejs.org, or set RESTATE_SERVER_BIN to a restate-server " + runtime.Version + " binary"
		}
		out = append(out, f)
	}
	return out
}

func checkServer(ctx context.Context) (Finding, bool) {
	f := Finding{Check: "restate-server"}
	path, fromEnv, err := runtime.CachedBinaryPath()
	switch {
	case err != nil && fromEnv:
		f.Level, f.What = Problem, err.Error()
		f.Fix = "point RESTATE_SERVER_BIN at a restate-server " + runtime.Version + " binary, or unset it (then the first run downloads one with npm)"
		return f, false
	case err != nil:
		f.Level, f.What = Note, fmt.Sprintf("not downloaded yet (it goes to %s)", path)
		f.Fix = "nothing to do: the first grading run downloads it with npm (~225 MB, once), showing progress"
		return f, false
	}
	out, err := command(ctx, path, "--version")
	if err != nil {
		f.Level, f.What = Problem, fmt.Sprintf("%s does not run: %v", path, err)
		f.Fix = "remove it so that the next run downloads it again, or point RESTATE_SERVER_BIN at a working binary"
		return f, false
	}
	f.Level, f.What = OK, fmt.Sprintf("%s (%s)", path, strings.TrimSpace(firstLine(out)))
	if !strings.Contains(out, runtime.Version) {
		f.Level = Note
		f.Fix = "the grader is measured against restate-server " + runtime.Version + "; another release may behave differently"
	}
	return f, true
}

// checkDocker says whether a Docker engine answers, whether the image is there (or will
// be pulled on first use), and which restate-server --runtime auto will use, and why.
func checkDocker(ctx context.Context, image string) []Finding {
	choice := runtime.Choose(ctx, image)
	auto := Finding{Check: "runtime auto", Level: OK,
		What: fmt.Sprintf("uses the %s: %s", choice.Kind.Describe(), choice.Why)}
	if !runtime.DockerAvailable(ctx) {
		return []Finding{{Check: "Docker", Level: Note,
			What: "no Docker engine answered: fine, the grader runs restate-server as a native binary"}, auto}
	}
	out := []Finding{{Check: "Docker", Level: OK, What: "a Docker engine answers"}}
	f := Finding{Check: "restate image"}
	present, err := runtime.ImagePresent(ctx, image)
	switch {
	case err != nil:
		f.Level, f.What = Note, fmt.Sprintf("could not look for %s: %v", image, err)
	case present:
		f.Level, f.What = OK, image+" is present"
	case choice.Kind == runtime.Container:
		f.Level, f.What = Note, image+" is not present: the first run pulls it (progress on the terminal)"
		f.Fix = "nothing to do; to pull it now: docker pull " + image + " (without a registry: build it from the npm binary with .ci/restate-image.sh)"
	default:
		f.Level, f.What = Note, image+" is not present (not needed: --runtime auto uses the native binary here)"
	}
	return append(out, f, auto)
}

// checkPlatform says what this operating system gets. Windows has no restate-server
// build and no process groups: the grader runs inside WSL2 there.
func checkPlatform(goos string) Finding {
	f := Finding{Check: "platform", Level: OK}
	switch goos {
	case "linux":
		f.What = "Linux: native binary or container"
	case "darwin":
		f.What = "macOS: the native binary (Docker Desktop's containers do not reach your service unless host networking is enabled)"
	case "windows":
		f.Level = Problem
		f.What = "Windows: the grader does not run here directly (there is no restate-server for Windows)"
		f.Fix = "use WSL2: run `wsl --install` in PowerShell, open the Ubuntu terminal it installs, install Go and Node.js there, clone this repository inside it and run the same commands there"
	default:
		f.Level = Note
		f.What = goos + ": not tested; a restate-server you run yourself works (--restate-url, --admin-url)"
	}
	return f
}

// checkPorts: the grader picks free ports itself, so it needs only that loopback works;
// the well-known ports matter to someone running restate-server or a service by hand.
func checkPorts(ports []int) []Finding {
	var out []Finding
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		out = append(out, Finding{Check: "loopback", Level: Problem, What: "cannot listen on 127.0.0.1: " + err.Error(),
			Fix: "the grader binds every server to 127.0.0.1: enable the loopback interface"})
	} else {
		l.Close()
		out = append(out, Finding{Check: "loopback", Level: OK, What: "127.0.0.1 accepts listeners (the grader picks free ports itself)"})
	}
	for _, p := range ports {
		f := Finding{Check: fmt.Sprintf("port %d", p)}
		l, err := net.Listen("tcp", net.JoinHostPort("127.0.0.1", strconv.Itoa(p)))
		if err == nil {
			l.Close()
			f.Level, f.What = OK, "free"
		} else {
			f.Level = Problem
			f.What = fmt.Sprintf("127.0.0.1:%d is in use (%s)", p, portUse(p))
			f.Fix = fmt.Sprintf("grading does not need it, but running by hand does: find the holder with `ss -ltnp 'sport = :%d'` and stop it "+
				"(an old restate-server or service?), or pick another port (PORT=9081 for a service)", p)
		}
		out = append(out, f)
	}
	return out
}

func portUse(p int) string {
	switch p {
	case 8080:
		return "restate-server's ingress port"
	case 9070:
		return "restate-server's admin port"
	case 5122:
		return "restate-server's node port"
	case 9080:
		return "where a service listens when PORT is not set"
	}
	return "a port you asked about"
}

func command(ctx context.Context, path string, args ...string) (string, error) {
	ctx, cancel := context.WithTimeout(ctx, 20*time.Second)
	defer cancel()
	cmd := exec.CommandContext(ctx, path, args...)
	cmd.Env = os.Environ()
	out, err := cmd.CombinedOutput()
	if err != nil {
		return string(out), fmt.Errorf("%w: %s", err, strings.TrimSpace(firstLine(string(out))))
	}
	return string(out), nil
}

func firstLine(s string) string {
	if i := strings.IndexByte(s, '\n'); i >= 0 {
		return s[:i]
	}
	return s
}

// Text writes the findings for a person: one line each, with the fix indented below.
func Text(w io.Writer, fs []Finding) error {
	var b strings.Builder
	for _, f := range fs {
		fmt.Fprintf(&b, "  %-7s %-15s %s\n", f.Level, f.Check, f.What)
		if f.Fix != "" {
			fmt.Fprintf(&b, "  %-7s %-15s fix: %s\n", "", "", f.Fix)
		}
	}
	if n := Problems(fs); n > 0 {
		fmt.Fprintf(&b, "\n%d problem(s) to fix; then run `go run ./cmd/grade doctor` again.\n", n)
	} else {
		b.WriteString("\nAll set: `go run ./cmd/grade ex1` grades your first exercise.\n")
	}
	_, err := io.WriteString(w, b.String())
	return err
}
