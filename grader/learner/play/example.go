package play

import (
	"encoding/json"
	"fmt"
	"slices"
	"strings"
)

// schema is the part of a JSON schema that example values are made from.
type schema struct {
	Ref        string             `json:"$ref"`
	Type       any                `json:"type"` // a string, or a list of them
	Format     string             `json:"format"`
	Enum       []any              `json:"enum"`
	Properties map[string]*schema `json:"properties"`
	Items      *schema            `json:"items"`
	Defs       map[string]*schema `json:"$defs"`
}

// Example makes an example JSON value from a handler's input schema (as sdk-go derives it
// from the input type): plausible values by field name, one element per list.
func Example(raw json.RawMessage) (string, error) {
	if len(raw) == 0 || string(raw) == "null" {
		return "{}", nil
	}
	var root schema
	if err := json.Unmarshal(raw, &root); err != nil {
		return "", fmt.Errorf("read schema: %w", err)
	}
	v := example(&root, &root, "", 0)
	out, err := json.Marshal(v)
	if err != nil {
		return "", err
	}
	return string(out), nil
}

func example(s, root *schema, name string, depth int) any {
	if s == nil || depth > 8 {
		return nil
	}
	if s.Ref != "" {
		switch {
		case s.Ref == "#":
			// The root's own $defs entry points back at the root (a type referring to itself
			// from its definitions): expand it once.
			return example(&schema{Type: root.Type, Properties: root.Properties, Items: root.Items}, root, name, depth+1)
		case strings.HasPrefix(s.Ref, "#/$defs/"):
			d := root.Defs[strings.TrimPrefix(s.Ref, "#/$defs/")]
			if d != nil && d.Ref == "#" {
				d = &schema{Type: root.Type, Properties: root.Properties, Items: root.Items}
			}
			return example(d, root, name, depth+1)
		}
		return nil
	}
	if len(s.Enum) > 0 {
		return s.Enum[0]
	}
	switch typeOf(s) {
	case "object":
		obj := map[string]any{}
		names := make([]string, 0, len(s.Properties))
		for n := range s.Properties {
			names = append(names, n)
		}
		slices.Sort(names)
		for _, n := range names {
			obj[n] = example(s.Properties[n], root, n, depth+1)
		}
		return obj
	case "array":
		return []any{example(s.Items, root, singular(name), depth+1)}
	case "string":
		return exampleString(name, s.Format)
	case "integer":
		return exampleInt(name)
	case "number":
		return 12.5
	case "boolean":
		return false
	}
	return nil
}

func typeOf(s *schema) string {
	switch t := s.Type.(type) {
	case string:
		return t
	case []any:
		for _, x := range t {
			if str, ok := x.(string); ok && str != "null" {
				return str
			}
		}
	}
	if s.Properties != nil {
		return "object"
	}
	return ""
}

func exampleString(name, format string) string {
	lower := strings.ToLower(name)
	switch {
	case format == "date-time" || strings.HasSuffix(lower, "at"):
		return "2026-01-01T12:00:00Z"
	case strings.Contains(lower, "email") || lower == "recipient" || lower == "to":
		return "learner@example.com"
	case lower == "currency":
		return "EUR"
	case strings.HasSuffix(name, "Id") || strings.HasSuffix(name, "ID"):
		return strings.ToLower(name[:len(name)-2]) + "-1"
	case lower == "id":
		return "id-1"
	}
	return lower + "-1"
}

func exampleInt(name string) int {
	lower := strings.ToLower(name)
	for _, money := range []string{"price", "amount", "total", "cents", "balance"} {
		if strings.Contains(lower, money) {
			return 1250
		}
	}
	return 1
}

func singular(name string) string {
	return strings.TrimSuffix(name, "s")
}
