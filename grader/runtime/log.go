package runtime

import (
	"io"
	"strings"
	"sync"
)

// logSink forwards server output to the configured log and keeps its tail for errors.
type logSink struct {
	mu  sync.Mutex
	w   io.Writer
	buf []byte
}

const logTailBytes = 16 << 10

func newLogSink(w io.Writer) *logSink { return &logSink{w: w} }

func (l *logSink) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	l.buf = append(l.buf, p...)
	if over := len(l.buf) - logTailBytes; over > 0 {
		l.buf = append(l.buf[:0], l.buf[over:]...)
	}
	// A failing log writer must not kill the server through a broken pipe.
	_, _ = l.w.Write(p)
	return len(p), nil
}

func (l *logSink) tail(lines int) string {
	l.mu.Lock()
	defer l.mu.Unlock()
	return tail(string(l.buf), lines)
}

// tail keeps the last n lines of s, where errors from a child process usually are.
func tail(s string, n int) string {
	lines := strings.Split(strings.TrimRight(s, "\n"), "\n")
	if len(lines) > n {
		lines = lines[len(lines)-n:]
	}
	return strings.Join(lines, "\n")
}
