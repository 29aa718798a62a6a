package proxy

import (
	"errors"
	"fmt"
	"io"

	"google.golang.org/protobuf/encoding/protowire"
)

// maxStartLen bounds the Start message the proxy holds in memory. Start
// carries the object's eager state, so it can be large, but never this large.
const maxStartLen = 64 << 20

// startMessage holds the StartMessage fields the proxy needs to match faults.
type startMessage struct {
	invocationID string // field 2, debug_id: "inv_..."
	knownEntries uint32 // field 3: journal entries being replayed
	key          string // field 6: the virtual object (or workflow) key
	retryCount   uint32 // field 7: retries since the last stored entry
}

// readStart reads the first message of an attempt, which Restate always sends
// as StartMessage, and returns it parsed together with its raw bytes, which
// still have to be forwarded.
func readStart(r io.Reader) (startMessage, []byte, error) {
	var hb [headerLen]byte
	if _, err := io.ReadFull(r, hb[:]); err != nil {
		return startMessage{}, nil, fmt.Errorf("read start header: %w", err)
	}
	h := parseHeader(hb[:])
	if h.typ != msgStart {
		return startMessage{}, nil, fmt.Errorf("first message has type %#04x, want start %#04x", uint16(h.typ), uint16(msgStart))
	}
	if h.length > maxStartLen {
		return startMessage{}, nil, fmt.Errorf("start message of %d bytes exceeds %d", h.length, maxStartLen)
	}
	raw := make([]byte, headerLen+int(h.length))
	copy(raw, hb[:])
	if _, err := io.ReadFull(r, raw[headerLen:]); err != nil {
		return startMessage{}, nil, fmt.Errorf("read start body: %w", unexpected(err))
	}
	s, err := parseStart(raw[headerLen:])
	if err != nil {
		return startMessage{}, nil, fmt.Errorf("parse start: %w", err)
	}
	return s, raw, nil
}

// parseStart decodes the StartMessage protobuf by hand: the proxy needs four
// scalar fields, not the generated protocol types (which sdk-go keeps internal).
func parseStart(b []byte) (startMessage, error) {
	var s startMessage
	for len(b) > 0 {
		num, typ, n := protowire.ConsumeTag(b)
		if n < 0 {
			return s, fmt.Errorf("tag: %w", protowire.ParseError(n))
		}
		b = b[n:]
		switch {
		case num == 2 && typ == protowire.BytesType:
			v, n := protowire.ConsumeBytes(b)
			if n < 0 {
				return s, fmt.Errorf("debug_id: %w", protowire.ParseError(n))
			}
			s.invocationID = string(v)
			b = b[n:]
		case num == 6 && typ == protowire.BytesType:
			v, n := protowire.ConsumeBytes(b)
			if n < 0 {
				return s, fmt.Errorf("key: %w", protowire.ParseError(n))
			}
			s.key = string(v)
			b = b[n:]
		case (num == 3 || num == 7) && typ == protowire.VarintType:
			v, n := protowire.ConsumeVarint(b)
			if n < 0 {
				return s, fmt.Errorf("field %d: %w", num, protowire.ParseError(n))
			}
			if num == 3 {
				s.knownEntries = uint32(v)
			} else {
				s.retryCount = uint32(v)
			}
			b = b[n:]
		default:
			n := protowire.ConsumeFieldValue(num, typ, b)
			if n < 0 {
				return s, fmt.Errorf("field %d: %w", num, protowire.ParseError(n))
			}
			b = b[n:]
		}
	}
	if s.invocationID == "" {
		return s, errors.New("start message has no invocation id")
	}
	return s, nil
}
