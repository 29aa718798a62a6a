package report

import (
	"encoding/json"
	"io"

	"idempotency/grader"
)

// JSON writes the report as indented JSON.
func JSON(w io.Writer, r *grader.Report) error {
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	return enc.Encode(r)
}

// JSONAll writes several reports (grade all) as one JSON array.
func JSONAll(w io.Writer, rs []*grader.Report) error {
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	return enc.Encode(rs)
}
