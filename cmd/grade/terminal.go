package main

import (
	"io"
	"os"
	"strconv"

	"github.com/mattn/go-isatty"
)

// isTerminal says whether w is a terminal (colour and wrapping are for terminals only).
func isTerminal(w io.Writer) bool {
	f, ok := w.(*os.File)
	return ok && (isatty.IsTerminal(f.Fd()) || isatty.IsCygwinTerminal(f.Fd()))
}

// termWidth is how many columns the terminal w has, or 0 when w is not a terminal (a
// file, a pipe: lines stay long). COLUMNS, when set, wins.
func termWidth(w io.Writer) int {
	if !isTerminal(w) {
		return 0
	}
	if n, err := strconv.Atoi(os.Getenv("COLUMNS")); err == nil && n > 0 {
		return n
	}
	return ttyColumns(w.(*os.File).Fd())
}
