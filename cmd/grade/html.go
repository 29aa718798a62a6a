package main

import (
	"bytes"
	"fmt"
	"os"
	"path/filepath"

	"idempotency/grader"
	"idempotency/grader/report"
)

// checkHTMLPath refuses an --html file whose folder does not exist, before any work.
func checkHTMLPath(path string) error {
	if path == "" {
		return nil
	}
	dir := filepath.Dir(path)
	if fi, err := os.Stat(dir); err != nil || !fi.IsDir() {
		return usageErr("", "--html %s: folder %s does not exist", path, dir)
	}
	if fi, err := os.Stat(path); err == nil && fi.IsDir() {
		return usageErr("", "--html %s is a folder; name a file", path)
	}
	return nil
}

// writeHTML writes the report's page whole: to a temp file beside path, then renamed.
func writeHTML(path string, r *grader.Report) error {
	var b bytes.Buffer
	if err := report.HTML(&b, r); err != nil {
		return err
	}
	tmp, err := os.CreateTemp(filepath.Dir(path), ".report-*.html")
	if err != nil {
		return fmt.Errorf("write html report: %w", err)
	}
	defer os.Remove(tmp.Name()) // after the rename, there is nothing left to remove
	if _, err := tmp.Write(b.Bytes()); err != nil {
		tmp.Close()
		return fmt.Errorf("write html report: %w", err)
	}
	if err := tmp.Close(); err != nil {
		return fmt.Errorf("write html report: %w", err)
	}
	if err := os.Chmod(tmp.Name(), 0o644); err != nil {
		return fmt.Errorf("write html report: %w", err)
	}
	if err := os.Rename(tmp.Name(), path); err != nil {
		return fmt.Errorf("write html report: %w", err)
	}
	return nil
}
