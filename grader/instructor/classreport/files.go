package classreport

import (
	"bytes"
	"fmt"
	"os"
	"path/filepath"
	"sort"

	"idempotency/grader"
	"idempotency/grader/report"
)

// Format renders the class into one file's bytes.
type Format struct {
	Name   string // file name under the output folder
	Render func(c *Class, b *bytes.Buffer) error
}

// WriteFiles renders every format into dir. Each file is written whole to a temp name
// and renamed, after grading, by the grader process: whatever a submission wrote into
// dir while it ran is replaced.
func WriteFiles(dir string, c *Class, formats []Format) ([]string, error) {
	if err := PrepareDir(dir); err != nil {
		return nil, err
	}
	var written []string
	for _, f := range formats {
		var b bytes.Buffer
		if err := f.Render(c, &b); err != nil {
			return written, fmt.Errorf("render %s: %w", f.Name, err)
		}
		path := filepath.Join(dir, f.Name)
		if err := writeAtomic(path, b.Bytes()); err != nil {
			return written, err
		}
		written = append(written, path)
	}
	sort.Strings(written)
	return written, nil
}

// PrepareDir makes the output folder before grading starts, owned by the grader, and
// refuses one that someone else owns: a submission running as another user may have
// made it first to plant files in it.
func PrepareDir(dir string) error {
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return fmt.Errorf("output folder: %w", err)
	}
	info, err := os.Stat(dir)
	if err != nil {
		return fmt.Errorf("output folder: %w", err)
	}
	if uid, ok := ownerUID(info); ok && uid != os.Geteuid() {
		return fmt.Errorf("output folder %s belongs to uid %d, not to the grader (uid %d): remove it or choose another --out", dir, uid, os.Geteuid())
	}
	return nil
}

func writeAtomic(path string, data []byte) error {
	if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
		return err
	}
	tmp, err := os.CreateTemp(filepath.Dir(path), ".tmp-*")
	if err != nil {
		return err
	}
	if _, err := tmp.Write(data); err != nil {
		tmp.Close()
		os.Remove(tmp.Name())
		return err
	}
	if err := tmp.Close(); err != nil {
		os.Remove(tmp.Name())
		return err
	}
	if err := os.Chmod(tmp.Name(), 0o644); err != nil {
		return err
	}
	return os.Rename(tmp.Name(), path)
}

// Instructor is the instructor's formats (they print the seed).
func Instructor() []Format {
	return []Format{
		{Name: "class.json", Render: func(c *Class, b *bytes.Buffer) error { return c.WriteJSON(b) }},
		{Name: "gradebook.csv", Render: func(c *Class, b *bytes.Buffer) error { return c.CSV(b) }},
	}
}

// All is every format of a class: the instructor's files, and per learner a Gradescope
// results.json and a GitHub Classroom runner result.
func All(c *Class, hidden Hidden) []Format {
	fs := append(Instructor(),
		Format{Name: "junit.xml", Render: func(c *Class, b *bytes.Buffer) error { return c.JUnit(b) }},
		Format{Name: "report.html", Render: func(c *Class, b *bytes.Buffer) error { return c.HTML(b) }},
	)
	names := fileNames(c)
	for _, l := range c.Learners {
		name := names[l.Name]
		fs = append(fs,
			Format{Name: filepath.Join("gradescope", name, "results.json"), Render: func(c *Class, b *bytes.Buffer) error { return c.WriteGradescope(b, l, hidden) }},
			Format{Name: filepath.Join("classroom", name+".b64"), Render: func(c *Class, b *bytes.Buffer) error { return c.WriteClassroom(b, l) }},
		)
		for _, r := range l.Results {
			if runPage(r) {
				fs = append(fs, Format{Name: runPath(name, r.Exercise), Render: func(c *Class, b *bytes.Buffer) error { return report.HTML(b, r.Report) }})
			}
		}
	}
	return fs
}

// fileNames gives each learner a file name of its own: two names may sanitise alike
// ("a b", "a_b"), and the second gets a suffix.
func fileNames(c *Class) map[string]string {
	used := map[string]bool{}
	out := map[string]string{}
	for _, l := range c.Learners {
		name := FileName(l.Name)
		for i := 2; used[name]; i++ {
			name = fmt.Sprintf("%s-%d", FileName(l.Name), i)
		}
		used[name] = true
		out[l.Name] = name
	}
	return out
}

// runPage reports whether a result gets a page of its own (runs/LEARNER/exN.html, the
// report with its timelines), which the class report's failed cells link to.
func runPage(r Result) bool {
	if r.Missing || r.Report == nil {
		return false
	}
	for _, cr := range r.Report.Criteria {
		if cr.Status == grader.StatusFail {
			return true
		}
	}
	return false
}

// runPath is where a learner's run of an exercise is written, relative to the output.
func runPath(fileName, exercise string) string {
	return filepath.Join("runs", fileName, exercise+".html")
}

// FileName makes a learner's name safe as one path element: letters, digits, - and _.
func FileName(learner string) string {
	out := []rune(learner)
	for i, r := range out {
		if !(r == '-' || r == '_' || r >= '0' && r <= '9' || r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z') {
			out[i] = '_'
		}
	}
	if len(out) == 0 {
		return "_"
	}
	return string(out)
}
