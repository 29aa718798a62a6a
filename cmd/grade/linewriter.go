package main

import (
	"bytes"
	"io"
	"sync"
)

// lineWriter serialises whole lines from concurrent gradings onto one stream, so the
// progress lines of `grade all` never cut into each other or into a report.
type lineWriter struct {
	sync.Mutex
	w io.Writer
}

func (l *lineWriter) Write(p []byte) (int, error) {
	l.Lock()
	defer l.Unlock()
	return l.w.Write(p)
}

// prefixed returns a writer that starts each complete line with prefix and writes it
// whole; a partial line waits for its end.
func (l *lineWriter) prefixed(prefix string) io.Writer {
	return &prefixWriter{out: l, prefix: []byte(prefix)}
}

type prefixWriter struct {
	out    *lineWriter
	prefix []byte
	mu     sync.Mutex
	buf    []byte
}

func (p *prefixWriter) Write(b []byte) (int, error) {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.buf = append(p.buf, b...)
	for {
		i := bytes.IndexByte(p.buf, '\n')
		if i < 0 {
			return len(b), nil
		}
		line := append(append([]byte{}, p.prefix...), p.buf[:i+1]...)
		p.buf = p.buf[i+1:]
		if _, err := p.out.Write(line); err != nil {
			return len(b), err
		}
	}
}
