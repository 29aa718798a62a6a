package grader

import (
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
)

func TestDiff(t *testing.T) {
	at := time.Date(2026, 12, 2, 18, 30, 0, 123456000, time.UTC)
	type item struct {
		SKU string `json:"sku"`
		Qty int    `json:"qty"`
	}
	type testCase struct {
		name string
		fill func(d *Diff)
		want string
	}
	for _, tc := range []testCase{
		{"nothing compared", func(d *Diff) {}, ""},
		{"all equal", func(d *Diff) {
			d.Str("status", "PENDING", "PENDING")
			d.Int("total", 300, 300)
			d.Time("createdAt", at, at.In(time.FixedZone("CET", 3600)))
			d.Value("items", []item{{"a", 1}}, []item{{"a", 1}})
		}, ""},
		{"string", func(d *Diff) { d.Str("status", "PENDING", "CANCELLED") },
			`status "CANCELLED", expected "PENDING"`},
		{"empty string is quoted", func(d *Diff) { d.Str("orderNumber", "ORD-1", "") },
			`orderNumber "", expected "ORD-1"`},
		{"int", func(d *Diff) { d.Int("total", 300, 299) }, "total 299, expected 300"},
		{"time a microsecond apart", func(d *Diff) { d.Time("createdAt", at, at.Add(time.Microsecond)) },
			"createdAt 2026-12-02T18:30:00.123457Z, expected 2026-12-02T18:30:00.123456Z"},
		{"time a day apart, shown in UTC", func(d *Diff) {
			d.Time("startDate", at, at.AddDate(0, 0, 1).In(time.FixedZone("CET", 3600)))
		}, "startDate 2026-12-03T18:30:00.123456Z, expected 2026-12-02T18:30:00.123456Z"},
		{"zero time", func(d *Diff) { d.Time("createdAt", at, time.Time{}) },
			"createdAt not set, expected 2026-12-02T18:30:00.123456Z"},
		{"value", func(d *Diff) { d.Value("items", []item{{"a", 1}}, []item{{"a", 2}}) },
			`items [{"sku":"a","qty":2}], expected [{"sku":"a","qty":1}]`},
		{"nil equals empty", func(d *Diff) { d.Value("items", []item{}, []item(nil)) }, ""},
		{"nil differs from a full slice", func(d *Diff) { d.Value("items", []item{{"a", 1}}, []item(nil)) },
			`items null, expected [{"sku":"a","qty":1}]`},
		{"values of other types differ", func(d *Diff) { d.Value("count", 1, int64(1)) },
			"count 1, expected 1"},
		{"no JSON form, shown with %v", func(d *Diff) { d.Value("f", complex(1, 0), complex(1, 2)) }, "f (1+2i), expected (1+0i)"},
		{"note", func(d *Diff) { d.Note("orderId %q, expected the object key %q", "x", "y") },
			`orderId "x", expected the object key "y"`},
		{"entries in call order, joined by semicolons", func(d *Diff) {
			d.Str("status", "PENDING", "CANCELLED")
			d.Int("total", 1, 1)
			d.Note("createdAt is not set")
			d.Int("quantity", 2, 3)
		}, `status "CANCELLED", expected "PENDING"; createdAt is not set; quantity 3, expected 2`},
	} {
		t.Run(tc.name, func(t *testing.T) {
			var d Diff
			tc.fill(&d)
			assert.Equal(t, tc.want, d.String())
			assert.Equal(t, tc.want == "", d.Empty())
		})
	}
}
