//go:build darwin || freebsd || linux || netbsd || openbsd

package nodeipc

import (
	"bytes"
	"encoding/binary"
	"errors"
	"testing"

	"github.com/nodeipc/nodeipc-go/nodeipc/v8value"
)

// expectedFrames is the reference advanced framing: the complete payloads
// of data in order, and what ends the stream after them: a non-empty
// payload whose first byte is not the V8 header's FF (foreign), judged as
// soon as that byte is there, or else an announced length over max
// (tooLarge).
func expectedFrames(data []byte, max int) (frames [][]byte, foreign, tooLarge bool) {
	for len(data) >= 4 {
		n := binary.BigEndian.Uint32(data)
		if n > 0 {
			if len(data) < 5 {
				return frames, false, false
			}
			if data[4] != 0xFF {
				return frames, true, false
			}
		}
		if uint64(n) > uint64(max) {
			return frames, false, true
		}
		if uint64(len(data)) < 4+uint64(n) {
			return frames, false, false
		}
		frames = append(frames, data[4:4+n])
		data = data[4+n:]
	}
	return frames, false, false
}

func addAdvancedSeeds(f *testing.F) {
	frame := func(p []byte) []byte { return append(binary.BigEndian.AppendUint32(nil, uint32(len(p))), p...) }
	var stream []byte
	for _, v := range []any{
		map[string]any{"a": 1, "s": "x"}, "two-byte Ω", []byte("buf"), []any{1.5, nil, true},
		&v8value.Object{Props: []v8value.Property{{Key: "cmd", Value: "NODE_HANDLE_ACK"}}},
		&v8value.Object{Props: []v8value.Property{{Key: "cmd", Value: "NODE_HANDLE"}, {Key: "type", Value: "net.Socket"}, {Key: "msg", Value: 1}}},
	} {
		p, err := v8value.Marshal(v)
		if err != nil {
			f.Fatal(err)
		}
		stream = append(stream, frame(p)...)
	}
	for _, s := range [][]byte{
		stream,
		{0, 0, 0, 0},                         // empty payload: Node cannot read it
		{0, 0, 0, 3, 0xFF, 0x0D, '0'},        // version 13
		{0, 0, 0, 3, 0xFF, 0x10, '0'},        // version 16
		{0, 0, 0, 3, 0xFF, 0x0C, '0'},        // version 12: rejected
		{0, 0, 0, 2, 0xFF, 0x0F},             // header only
		{0x7F, 0xFF, 0xFF, 0xFF, 0xFF, 0x0F}, // absurd length
		{0, 0, 0, 4, 0xFF, 0x0F, 'o', '{'},   // truncated object
		{0, 0, 0, 1, '0'},                    // no V8 header
		// Bun 1.4's advanced IPC: a version packet, then a type byte and
		// a little-endian length (JavaScriptCore's serialization follows).
		{0x01, 0x02, 0x00, 0x00, 0x00, 0x02, 0x1c, 0x00, 0x00, 0x00, 0x0e, 0x00},
		[]byte("{\"cmd\":\"NODE_HANDLE_ACK\"}\n"),                        // a JSON peer
		append(stream[:len(stream):len(stream)], 0x01, 0x02, 0x00, 0x00), // Bun after V8 frames, cut
	} {
		f.Add(s, []byte{0}, uint16(0))
		f.Add(s, []byte{1, 2, 0}, uint16(64))
	}
}

// FuzzAdvancedFrameParse: the advanced framing and classifier over arbitrary
// chunking (a length prefix split anywhere). Every complete frame is a
// message whose Raw is the payload, an internal message, or a
// *ProtocolError wrapping ErrMalformedMessage, in order, exactly when the V8
// decoder rejects the payload; an announced length over the limit is
// ErrMessageTooLarge after every earlier frame, before any allocation for
// it; a payload without the V8 header byte ends the stream with a
// *SerializationError as soon as its first byte is read; nothing panics.
func FuzzAdvancedFrameParse(f *testing.F) {
	addAdvancedSeeds(f)
	f.Fuzz(func(t *testing.T, data, cuts []byte, maxSel uint16) {
		max := fuzzMax(maxSel)
		cd := &advancedCodec{}
		var got [][]byte
		err := feedFrames(cd, chunks(data, cuts), max, func(p []byte) {
			got = append(got, p)
			in, perr := cd.parse(p)
			_, derr := v8value.Decode(p)
			switch {
			case perr != nil:
				var pe *ProtocolError
				if !errors.As(perr, &pe) || !errors.Is(perr, ErrMalformedMessage) {
					t.Fatalf("parse error %v is not a *ProtocolError wrapping ErrMalformedMessage", perr)
				}
				if derr == nil {
					t.Fatalf("parse rejected a payload the decoder accepts: %x", p)
				}
			case derr != nil:
				t.Fatalf("parse accepted a payload the decoder rejects (%v): %x", derr, p)
			case in.cmd == "" && !bytes.Equal(in.msg.Raw(), p):
				t.Fatalf("Raw %x, want %x", in.msg.Raw(), p)
			}
		})
		want, foreign, tooLarge := expectedFrames(data, max)
		if len(got) != len(want) {
			t.Fatalf("%d frames, want %d", len(got), len(want))
		}
		for i := range want {
			if !bytes.Equal(got[i], want[i]) {
				t.Fatalf("frame %d: %x, want %x", i, got[i], want[i])
			}
		}
		if tooLarge != errors.Is(err, ErrMessageTooLarge) {
			t.Fatalf("framing error %v, want too large = %v", err, tooLarge)
		}
		var se *SerializationError
		if foreign != (errors.As(err, &se) && errors.Is(err, ErrForeignSerialization)) {
			t.Fatalf("framing error %v, want foreign = %v", err, foreign)
		}
		if foreign && (len(se.Head) == 0 || len(se.Head) > 16 || se.Head[4] == 0xFF) {
			t.Fatalf("SerializationError head % x", se.Head)
		}
	})
}
