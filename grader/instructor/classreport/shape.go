package classreport

import (
	"net/http"
	"regexp"
	"strconv"
	"strings"
)

// token is a word of an observation: letters, digits and the joiners of generated names.
var token = regexp.MustCompile(`[A-Za-z0-9_.\-]*[0-9][A-Za-z0-9_.\-]*`)

// statusWords come before a number that is a status code rather than a value.
var statusWords = map[string]bool{"answered": true, "status": true, "http": true, "code": true, "error": true, "with": true}

// shape blanks the values a run generates, so that two learners who made the same
// mistake on different inputs show the same observation: object keys and IDs
// ("ord-1a2b-3c4d5e", "inv_1k2j…", "sku-01234"), amounts and other numbers of three or
// more digits, decimals, dates. It keeps what says what happened: status codes
// ("answered 501 not implemented", "status 409"), small counts and constants ("2 emails",
// "attempt 3"), and words with a digit in them that are not generated ("ex1", "h2c").
func shape(s string) string {
	var b strings.Builder
	last := 0
	for _, m := range token.FindAllStringIndex(s, -1) {
		word := s[m[0]:m[1]]
		// A sentence's full stop or comma is not part of the value.
		trimmed := strings.TrimRight(word, ".-_")
		end := m[0] + len(trimmed)
		b.WriteString(s[last:m[0]])
		if generated(trimmed, s[:m[0]], s[end:]) {
			b.WriteString("#")
		} else {
			b.WriteString(trimmed)
		}
		last = end
	}
	b.WriteString(s[last:])
	return b.String()
}

// generated says whether word (with the text before and after it) is a generated value.
func generated(word, before, after string) bool {
	if word == "" {
		return false
	}
	n, err := strconv.Atoi(word)
	if err != nil {
		// Not a plain integer: a decimal, a date, a key or an ID, unless it is a short
		// name with a digit ("ex1", "h2c", "sha256").
		letters := strings.IndexFunc(word, func(r rune) bool { return r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' }) >= 0
		if !letters {
			return true // 49.99, 2026-11-27, 12:30 (split), 1.5
		}
		digits := 0
		for _, r := range word {
			if r >= '0' && r <= '9' {
				digits++
			}
		}
		return strings.ContainsAny(word, "-_") || digits >= 4 || len(word) >= 8
	}
	if len(word) <= 2 {
		return false // counts, attempts, small constants
	}
	if len(word) == 3 && n >= 100 && n <= 599 && statusCode(n, before, after) {
		return false
	}
	return true
}

// statusCode says whether the number n reads as an HTTP status: after a word such as
// "answered" or "status", or before its reason phrase ("501 Not Implemented").
func statusCode(n int, before, after string) bool {
	fields := strings.Fields(strings.ToLower(before))
	if len(fields) > 0 && statusWords[strings.Trim(fields[len(fields)-1], ":()[],")] {
		return true
	}
	if text := http.StatusText(n); text != "" && strings.HasPrefix(strings.ToLower(strings.TrimLeft(after, " :(")), strings.ToLower(text)) {
		return true
	}
	return false
}
