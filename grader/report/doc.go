// Package report renders a grader.Report: for a terminal (colour only when asked) and as
// JSON for machines (never any ANSI codes).
package report
