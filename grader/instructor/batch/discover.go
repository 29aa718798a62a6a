package batch

import (
	"fmt"
	"hash/fnv"
	"io"
	"os"
	"path/filepath"
	"regexp"
	"sort"
	"strconv"
	"strings"
)

// Submission is one learner's folder.
type Submission struct {
	Learner string // the folder's name
	Dir     string // absolute
}

// Discover lists the submissions in dir: every subdirectory is one learner (hidden ones
// are skipped), sorted by name.
func Discover(dir string) ([]Submission, error) {
	abs, err := filepath.Abs(dir)
	if err != nil {
		return nil, err
	}
	entries, err := os.ReadDir(abs)
	if err != nil {
		return nil, fmt.Errorf("list submissions: %w", err)
	}
	var out []Submission
	for _, e := range entries {
		if strings.HasPrefix(e.Name(), ".") {
			continue
		}
		// A symlinked learner folder is followed; a symlinked file is not a learner.
		info, err := os.Stat(filepath.Join(abs, e.Name()))
		if err != nil || !info.IsDir() {
			continue
		}
		out = append(out, Submission{Learner: e.Name(), Dir: filepath.Join(abs, e.Name())})
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Learner < out[j].Learner })
	return out, nil
}

// ExerciseDir finds a submission's exercise folder: <sub>/exercises/exN or <sub>/exN.
func (s Submission) ExerciseDir(ex string) (string, bool) {
	for _, d := range []string{filepath.Join(s.Dir, "exercises", ex), filepath.Join(s.Dir, ex)} {
		if info, err := os.Stat(d); err == nil && info.IsDir() {
			return d, true
		}
	}
	return "", false
}

// Shard is one part of a class split across CI runners: Index of Count, from 1.
type Shard struct {
	Index, Count int
}

// ParseShard reads "i/n".
func ParseShard(s string) (Shard, error) {
	i, n, ok := strings.Cut(s, "/")
	a, err1 := strconv.Atoi(i)
	b, err2 := strconv.Atoi(n)
	if !ok || err1 != nil || err2 != nil || b < 1 || a < 1 || a > b {
		return Shard{}, fmt.Errorf("--shard %q: want i/n with 1 <= i <= n", s)
	}
	return Shard{Index: a, Count: b}, nil
}

func (s Shard) String() string {
	if s.Count <= 1 {
		return ""
	}
	return fmt.Sprintf("%d/%d", s.Index, s.Count)
}

// Has says whether the learner belongs to this shard. The assignment hashes the name
// only, so it is the same on every runner and does not move when others join the class.
func (s Shard) Has(learner string) bool {
	if s.Count <= 1 {
		return true
	}
	h := fnv.New32a()
	_, _ = io.WriteString(h, learner)
	return int(h.Sum32()%uint32(s.Count)) == s.Index-1
}

// Select keeps the submissions of this shard.
func (s Shard) Select(subs []Submission) []Submission {
	var out []Submission
	for _, sub := range subs {
		if s.Has(sub.Learner) {
			out = append(out, sub)
		}
	}
	return out
}

var unsafeChars = regexp.MustCompile(`[^A-Za-z0-9_-]+`)

// packageName makes a learner's name safe as a folder and import path element.
func packageName(i int, learner string) string {
	name := unsafeChars.ReplaceAllString(learner, "_")
	if len(name) > 40 {
		name = name[:40]
	}
	return fmt.Sprintf("l%03d_%s", i, name)
}

// maxSourceBytes bounds one copied file: a submission cannot fill the disk through us.
const maxSourceBytes = 1 << 20

// copySource copies the *.go files of src (no tests, no subfolders, no symlinks, no
// go.mod) into dst, which becomes a package of the grader's own module: the contract,
// fixtures and grader are always the project's, whatever the submission holds.
func copySource(src, dst string) (int, error) {
	entries, err := os.ReadDir(src)
	if err != nil {
		return 0, err
	}
	if err := os.MkdirAll(dst, 0o755); err != nil {
		return 0, err
	}
	n := 0
	for _, e := range entries {
		name := e.Name()
		if !e.Type().IsRegular() || !strings.HasSuffix(name, ".go") || strings.HasSuffix(name, "_test.go") {
			continue
		}
		if err := copyFile(filepath.Join(src, name), filepath.Join(dst, name)); err != nil {
			return n, err
		}
		n++
	}
	return n, nil
}

func copyFile(src, dst string) error {
	in, err := os.Open(src)
	if err != nil {
		return err
	}
	defer in.Close()
	out, err := os.OpenFile(dst, os.O_WRONLY|os.O_CREATE|os.O_EXCL, 0o644)
	if err != nil {
		return err
	}
	if _, err := io.Copy(out, io.LimitReader(in, maxSourceBytes+1)); err != nil {
		out.Close()
		return err
	}
	if info, err := out.Stat(); err == nil && info.Size() > maxSourceBytes {
		out.Close()
		return fmt.Errorf("%s is over %d bytes", filepath.Base(src), maxSourceBytes)
	}
	return out.Close()
}

// Stage copies one exercise folder from anywhere into a fresh package of the module
// under ScratchDir, as Run does for each submission, and returns it with its cleanup.
func Stage(root, src, exercise string) (string, func(), error) {
	base, err := os.MkdirTemp(filepath.Join(root, ScratchDir), "stage-")
	if os.IsNotExist(err) {
		if err = os.MkdirAll(filepath.Join(root, ScratchDir), 0o755); err == nil {
			base, err = os.MkdirTemp(filepath.Join(root, ScratchDir), "stage-")
		}
	}
	if err != nil {
		return "", nil, fmt.Errorf("scratch folder: %w", err)
	}
	cleanup := func() { os.RemoveAll(base) }
	dst := filepath.Join(base, exercise)
	if _, err := copySource(src, dst); err != nil {
		cleanup()
		return "", nil, fmt.Errorf("copy %s: %w", src, err)
	}
	return dst, cleanup, nil
}
