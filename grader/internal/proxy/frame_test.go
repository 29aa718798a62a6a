package proxy

import (
	"bytes"
	"encoding/binary"
	"io"
	"testing"
	"testing/iotest"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"google.golang.org/protobuf/encoding/protowire"
)

// frame builds one protocol message: header, then body.
func frame(typ msgType, body []byte) []byte {
	b := make([]byte, headerLen, headerLen+len(body))
	binary.BigEndian.PutUint16(b[0:2], uint16(typ))
	binary.BigEndian.PutUint32(b[4:8], uint32(len(body)))
	return append(b, body...)
}

// startBody encodes a StartMessage with the fields Restate sends, in field
// order, including the eager state (field 4) that precedes the key.
func startBody(id, key string) []byte {
	var b []byte
	b = protowire.AppendTag(b, 1, protowire.BytesType)
	b = protowire.AppendBytes(b, []byte{0x01, 0x02, 0x03})
	b = protowire.AppendTag(b, 2, protowire.BytesType)
	b = protowire.AppendString(b, id)
	b = protowire.AppendTag(b, 3, protowire.VarintType)
	b = protowire.AppendVarint(b, 4)
	var entry []byte
	entry = protowire.AppendTag(entry, 1, protowire.BytesType)
	entry = protowire.AppendString(entry, "count")
	entry = protowire.AppendTag(entry, 2, protowire.BytesType)
	entry = protowire.AppendString(entry, "41")
	b = protowire.AppendTag(b, 4, protowire.BytesType)
	b = protowire.AppendBytes(b, entry)
	b = protowire.AppendTag(b, 5, protowire.VarintType)
	b = protowire.AppendVarint(b, 1)
	b = protowire.AppendTag(b, 6, protowire.BytesType)
	b = protowire.AppendString(b, key)
	b = protowire.AppendTag(b, 7, protowire.VarintType)
	b = protowire.AppendVarint(b, 3)
	b = protowire.AppendTag(b, 99, protowire.Fixed64Type) // a field from a newer protocol
	b = protowire.AppendFixed64(b, 7)
	return b
}

func TestReadStart(t *testing.T) {
	msg := frame(msgStart, startBody("inv_1abc", "cart-7"))
	rest := frame(msgType(0x0400), []byte("input"))

	// One byte per read: Start must be reassembled, and nothing after it consumed.
	r := iotest.OneByteReader(bytes.NewReader(append(append([]byte{}, msg...), rest...)))
	s, raw, err := readStart(r)
	require.NoError(t, err)
	assert.Equal(t, startMessage{invocationID: "inv_1abc", knownEntries: 4, key: "cart-7", retryCount: 3}, s)
	assert.Equal(t, msg, raw)
	after, err := io.ReadAll(r)
	require.NoError(t, err)
	assert.Equal(t, rest, after)
}

func TestReadStartRejects(t *testing.T) {
	type testCase struct {
		name  string
		input []byte
	}
	for _, tc := range []testCase{
		{name: "empty", input: nil},
		{name: "not start first", input: frame(msgOutputCommand, nil)},
		{name: "truncated body", input: frame(msgStart, startBody("inv_1", "k"))[:20]},
		{name: "no invocation id", input: frame(msgStart, nil)},
		{name: "malformed protobuf", input: frame(msgStart, []byte{0x12, 0x40})},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, _, err := readStart(bytes.NewReader(tc.input))
			assert.Error(t, err)
		})
	}
}

func TestFrameCopier(t *testing.T) {
	big := bytes.Repeat([]byte("x"), 100<<10) // larger than the copier's buffer: streamed
	msgs := [][]byte{
		frame(msgType(0x0400), []byte("a")),
		frame(msgType(0x0403), nil),
		frame(msgRunCompletionNotification, big),
		frame(msgOutputCommand, []byte("out")),
	}
	var in bytes.Buffer
	for _, m := range msgs {
		in.Write(m)
	}

	var out bytes.Buffer
	flushes := 0
	c := newFrameCopier(&out, iotest.HalfReader(&in), func() error { flushes++; return nil })
	var types []msgType
	for {
		h, err := c.next()
		if err == io.EOF {
			break
		}
		require.NoError(t, err)
		types = append(types, h.typ)
		require.NoError(t, c.forward(h))
	}
	assert.Equal(t, []msgType{0x0400, 0x0403, msgRunCompletionNotification, msgOutputCommand}, types)
	assert.Equal(t, bytes.Join(msgs, nil), out.Bytes())
	assert.Equal(t, len(msgs), flushes, "one flush per message")
}

func TestFrameCopierTruncated(t *testing.T) {
	type testCase struct {
		name  string
		input []byte
	}
	whole := frame(msgOutputCommand, bytes.Repeat([]byte("y"), 40<<10))
	for _, tc := range []testCase{
		{name: "inside header", input: whole[:5]},
		{name: "inside small body", input: frame(msgOutputCommand, []byte("abc"))[:10]},
		{name: "inside streamed body", input: whole[:len(whole)-1]},
	} {
		t.Run(tc.name, func(t *testing.T) {
			c := newFrameCopier(io.Discard, bytes.NewReader(tc.input), nil)
			h, err := c.next()
			if err == nil {
				err = c.forward(h)
			}
			assert.ErrorIs(t, err, io.ErrUnexpectedEOF)
		})
	}
}
