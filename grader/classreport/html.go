package classreport

import "io"

// HTML writes the static class report.
func (c *Class) HTML(w io.Writer) error {
	_, err := io.WriteString(w, "<!doctype html><title>class</title>")
	return err
}
