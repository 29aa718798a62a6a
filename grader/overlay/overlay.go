// Package overlay reads a submission stored as changes to another package: a txtar
// archive whose comment says what the submission is and whose files replace (or add
// to, or delete from) the files of a base package. Broken copies and generated mutants
// are kept this way, so that each holds only what differs from the reference solution,
// and are built with `go build -overlay`, never copied.
//
// The format is txtar (golang.org/x/tools/txtar), read here without the dependency:
//
//	Loses duplicate-create: CreateOrder overwrites an existing order.
//	//grade:lose duplicate-create
//	-- order_service.go --
//	package main
//	...
//
// A file section with no content deletes that file from the base package.
package overlay

import (
	"bytes"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"strings"
)

// Ext is the file extension of an overlay archive.
const Ext = ".txtar"

// Archive is a parsed overlay.
type Archive struct {
	Comment string // everything before the first file section
	Files   []File
}

// File is one file of an archive: Name is a bare file name in the base package.
type File struct {
	Name string
	Data []byte // empty: delete the base package's file of that name
}

// Is reports whether path names an overlay archive rather than a package directory.
func Is(path string) bool { return strings.HasSuffix(path, Ext) }

// Load reads and parses the archive at path.
func Load(path string) (*Archive, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("read overlay: %w", err)
	}
	a, err := Parse(data)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	return a, nil
}

// Parse reads the txtar text of an archive. File names must be bare .go file names:
// an overlay changes one package, nothing outside it.
func Parse(data []byte) (*Archive, error) {
	a := &Archive{}
	var cur *File
	var body bytes.Buffer
	flush := func() {
		if cur == nil {
			a.Comment = body.String()
		} else {
			cur.Data = append([]byte(nil), body.Bytes()...)
			a.Files = append(a.Files, *cur)
		}
		body.Reset()
	}
	for _, line := range bytes.SplitAfter(data, []byte("\n")) {
		if name, ok := marker(line); ok {
			flush()
			if name != filepath.Base(name) || !strings.HasSuffix(name, ".go") {
				return nil, fmt.Errorf("file %q: an overlay holds only .go files of one package", name)
			}
			cur = &File{Name: name}
			continue
		}
		body.Write(line)
	}
	flush()
	if len(a.Files) == 0 {
		return nil, fmt.Errorf("no file sections (-- name.go --)")
	}
	return a, nil
}

func marker(line []byte) (string, bool) {
	s := strings.TrimRight(string(line), "\r\n")
	if !strings.HasPrefix(s, "-- ") || !strings.HasSuffix(s, " --") || len(s) < 7 {
		return "", false
	}
	return strings.TrimSpace(s[3 : len(s)-3]), true
}

// Format writes an archive back as txtar text.
func Format(a *Archive) []byte {
	var b bytes.Buffer
	b.WriteString(a.Comment)
	if a.Comment != "" && !strings.HasSuffix(a.Comment, "\n") {
		b.WriteByte('\n')
	}
	for _, f := range a.Files {
		fmt.Fprintf(&b, "-- %s --\n", f.Name)
		b.Write(f.Data)
		if len(f.Data) > 0 && f.Data[len(f.Data)-1] != '\n' {
			b.WriteByte('\n')
		}
	}
	return b.Bytes()
}

// WriteJSON writes the files of a over the package at baseDir as a `go build -overlay`
// file in dir, and returns its path. The replacement files go in dir too.
func (a *Archive) WriteJSON(baseDir, dir string) (string, error) {
	abs, err := filepath.Abs(baseDir)
	if err != nil {
		return "", err
	}
	replace := map[string]string{}
	for i, f := range a.Files {
		target := filepath.Join(abs, f.Name)
		if len(f.Data) == 0 {
			replace[target] = "" // deleted
			continue
		}
		src := filepath.Join(dir, fmt.Sprintf("overlay-%d-%s", i, f.Name))
		if err := os.WriteFile(src, f.Data, 0o644); err != nil {
			return "", fmt.Errorf("write overlay file: %w", err)
		}
		replace[target] = src
	}
	data, err := json.Marshal(map[string]any{"Replace": replace})
	if err != nil {
		return "", err
	}
	path := filepath.Join(dir, "overlay.json")
	if err := os.WriteFile(path, data, 0o644); err != nil {
		return "", fmt.Errorf("write overlay: %w", err)
	}
	return path, nil
}

// Directives returns the arguments of every `//grade:NAME args` line of the comment.
func (a *Archive) Directives(name string) [][]string {
	var out [][]string
	for _, line := range strings.Split(a.Comment, "\n") {
		line = strings.TrimSpace(line)
		if rest, ok := strings.CutPrefix(line, "//grade:"+name); ok && (rest == "" || rest[0] == ' ' || rest[0] == '\t') {
			out = append(out, strings.Fields(rest))
		}
	}
	return out
}

// Materialize writes the package at baseDir with a's changes applied into outDir: for
// tools that need real files (a class of submissions made for a benchmark).
func (a *Archive) Materialize(baseDir, outDir string) error {
	if err := os.MkdirAll(outDir, 0o755); err != nil {
		return err
	}
	files, err := filepath.Glob(filepath.Join(baseDir, "*.go"))
	if err != nil {
		return err
	}
	write := map[string][]byte{}
	for _, f := range files {
		data, err := os.ReadFile(f)
		if err != nil {
			return err
		}
		write[filepath.Base(f)] = data
	}
	for _, f := range a.Files {
		if len(f.Data) == 0 {
			delete(write, f.Name)
		} else {
			write[f.Name] = f.Data
		}
	}
	for name, data := range write {
		if err := os.WriteFile(filepath.Join(outDir, name), data, 0o644); err != nil {
			return err
		}
	}
	return nil
}
