package proxy

import (
	"encoding/binary"
	"fmt"
	"io"
)

// msgType is the u16 type of a service protocol message.
type msgType uint16

// Message types the proxy looks at; every other type is forwarded untouched.
const (
	msgStart                     msgType = 0x0000
	msgOutputCommand             msgType = 0x0401
	msgSetStateCommand           msgType = 0x0403
	msgRunCompletionNotification msgType = 0x8011
)

// headerLen is the size of the frame header: u16 type, u16 flags, u32 length, big-endian.
const headerLen = 8

type header struct {
	typ    msgType
	flags  uint16
	length uint32
}

func parseHeader(b []byte) header {
	return header{
		typ:    msgType(binary.BigEndian.Uint16(b[0:2])),
		flags:  binary.BigEndian.Uint16(b[2:4]),
		length: binary.BigEndian.Uint32(b[4:8]),
	}
}

// frameCopier moves whole messages from src to dst, one at a time, so the
// caller can look at each message's type before any of its bytes are forwarded.
type frameCopier struct {
	src io.Reader
	dst io.Writer
	// flush pushes a forwarded message out at once: the protocol is a
	// conversation, and a message stuck in a buffer stalls both sides.
	flush func() error
	// observe, when set, sees each message before it is forwarded (its body only
	// when it fits the buffer, else nil).
	observe func(h header, body []byte)
	buf     []byte
}

func newFrameCopier(dst io.Writer, src io.Reader, flush func() error) *frameCopier {
	return &frameCopier{src: src, dst: dst, flush: flush, buf: make([]byte, 32<<10)}
}

// next reads the header of the next message. It returns io.EOF only when the
// stream ends cleanly between two messages.
func (c *frameCopier) next() (header, error) {
	if _, err := io.ReadFull(c.src, c.buf[:headerLen]); err != nil {
		return header{}, err
	}
	return parseHeader(c.buf[:headerLen]), nil
}

// forward sends the message whose header next just returned. Small messages
// go out in one write; a large one is streamed in chunks rather than held whole.
func (c *frameCopier) forward(h header) error {
	n := int(h.length)
	if headerLen+n <= len(c.buf) {
		if _, err := io.ReadFull(c.src, c.buf[headerLen:headerLen+n]); err != nil {
			return fmt.Errorf("read message body: %w", unexpected(err))
		}
		if c.observe != nil {
			c.observe(h, c.buf[headerLen:headerLen+n])
		}
		if _, err := c.dst.Write(c.buf[:headerLen+n]); err != nil {
			return fmt.Errorf("write message: %w", err)
		}
	} else {
		if c.observe != nil {
			c.observe(h, nil)
		}
		var hb [headerLen]byte
		copy(hb[:], c.buf[:headerLen])
		if _, err := c.dst.Write(hb[:]); err != nil {
			return fmt.Errorf("write message header: %w", err)
		}
		written, err := io.CopyBuffer(c.dst, io.LimitReader(c.src, int64(n)), c.buf)
		if err == nil && written < int64(n) {
			err = io.ErrUnexpectedEOF
		}
		if err != nil {
			return fmt.Errorf("copy message body: %w", err)
		}
	}
	if c.flush != nil {
		if err := c.flush(); err != nil {
			return fmt.Errorf("flush message: %w", err)
		}
	}
	return nil
}

// unexpected turns a clean EOF inside a message into the error it really is.
func unexpected(err error) error {
	if err == io.EOF {
		return io.ErrUnexpectedEOF
	}
	return err
}
