package runtime

import (
	"fmt"
	"strings"
)

// Kind says which restate-server the grader uses. Its strings are the --runtime flag's
// and the reports' ("runtime": "native").
type Kind string

const (
	// Auto lets Choose decide: a container when a Docker engine on this machine answers,
	// the native binary otherwise. The zero Config.Kind means Auto.
	Auto Kind = "auto"
	// Native runs the pinned restate-server binary, fetched on first use.
	Native Kind = "native"
	// Container runs the pinned image with testcontainers-go.
	Container Kind = "container"
	// External connects to a server someone else runs (Config.IngressURL, Config.AdminURL).
	External Kind = "external"
)

// Kinds lists every kind, in the order messages name them.
var Kinds = []Kind{Auto, Native, Container, External}

// ParseKind turns a --runtime flag's string into a Kind. An unknown string is an error
// that lists the kinds.
func ParseKind(s string) (Kind, error) {
	for _, k := range Kinds {
		if string(k) == s {
			return k, nil
		}
	}
	return "", fmt.Errorf("unknown restate-server kind %q (want %s)", s, orList(Kinds))
}

// Describe names a kind for people: "native binary", "container", "external server".
func (k Kind) Describe() string {
	switch k {
	case Container:
		return "container"
	case Native:
		return "native binary"
	case External:
		return "external server"
	}
	return string(k)
}

// orList names kinds for a message: "auto, native or container".
func orList(kinds []Kind) string {
	s := make([]string, len(kinds))
	for i, k := range kinds {
		s[i] = string(k)
	}
	if len(s) < 2 {
		return strings.Join(s, "")
	}
	return strings.Join(s[:len(s)-1], ", ") + " or " + s[len(s)-1]
}
