package grader

import (
	"encoding/json"
	"fmt"
	"reflect"
	"strings"
	"time"
)

// Diff lists, field by field, how an answer differs from what the grader expected, in the
// one style learners read in every exercise: `status "CANCELLED", expected "PENDING"`,
// entries joined by "; ". The zero value is empty and ready to use:
//
//	var d grader.Diff
//	d.Str("status", want.Status, got.Status)
//	d.Int("total", want.Total, got.Total)
//	d.Time("createdAt", want.CreatedAt, got.CreatedAt)
//	if got.OrderNumber == "" {
//		d.Note("orderNumber is empty")
//	}
//	if d.String() != "" { ... }
type Diff struct{ entries []string }

// Str adds `field "got", expected "want"` when got differs from want.
func (d *Diff) Str(field, want, got string) {
	if got != want {
		d.Note("%s %q, expected %q", field, got, want)
	}
}

// Int adds `field got, expected want` when got differs from want.
func (d *Diff) Int(field string, want, got int) {
	if got != want {
		d.Note("%s %d, expected %d", field, got, want)
	}
}

// Time adds `field got, expected want` when got is another instant than want (a time
// in another zone at the same instant is equal). Both are shown in UTC to the
// nanosecond, so a difference of a day or of a microsecond is visible; a zero time
// reads "not set".
func (d *Diff) Time(field string, want, got time.Time) {
	if !got.Equal(want) {
		d.Note("%s %s, expected %s", field, formatTime(got), formatTime(want))
	}
}

// Value adds `field got, expected want` when got and want are not reflect.DeepEqual:
// slices of plain structs such as an order's items. Both are shown as JSON, with the
// contract's field names, as the learner's service sends them. An empty slice or map
// equals a nil one (JSON [] and null both say "none", as slices.Equal has it). Use Time
// for times, which DeepEqual compares by representation, not by instant.
func (d *Diff) Value(field string, want, got any) {
	if !reflect.DeepEqual(got, want) && !bothEmpty(got, want) {
		d.Note("%s %s, expected %s", field, asJSON(got), asJSON(want))
	}
}

// Note adds an entry of its own, for what is not a plain field comparison:
// `orderId "x", expected the object key "y"`, `sentAt is not set`.
func (d *Diff) Note(format string, args ...any) {
	d.entries = append(d.entries, fmt.Sprintf(format, args...))
}

// Empty reports whether nothing differed.
func (d *Diff) Empty() bool { return len(d.entries) == 0 }

// String joins the entries with "; " ("" when nothing differed).
func (d *Diff) String() string { return strings.Join(d.entries, "; ") }

// bothEmpty reports whether a and b are slices or maps of one type with no elements.
func bothEmpty(a, b any) bool {
	va, vb := reflect.ValueOf(a), reflect.ValueOf(b)
	if !va.IsValid() || !vb.IsValid() || va.Type() != vb.Type() {
		return false
	}
	switch va.Kind() {
	case reflect.Slice, reflect.Map:
		return va.Len() == 0 && vb.Len() == 0
	}
	return false
}

// asJSON shows v as JSON, or with %v when it has no JSON form.
func asJSON(v any) string {
	b, err := json.Marshal(v)
	if err != nil {
		return fmt.Sprintf("%v", v)
	}
	return string(b)
}

func formatTime(t time.Time) string {
	if t.IsZero() {
		return "not set"
	}
	return t.UTC().Format(time.RFC3339Nano)
}
