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
// of data in order, and whether an announced length over max ends the
// stream after them.
func expectedFrames(data []byte, max int) (frames [][]byte, tooLarge bool) {
	for len(data) >= 4 {
		n := binary.BigEndian.Uint32(data)
		if uint64(n) > uint64(max) {
			return frames, true
		}
		if uint64(len(data)) < 4+uint64(n) {
			return frames, false
		}
		frames = append(frames, data[4:4+n])
		data = data[4+n:]
	}
	return frames, false
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
// it; nothing panics.
func FuzzAdvancedFrameParse(f *testing.F) {
	addAdvancedSeeds(f)
	f.Fuzz(func(t *testing.T, data, cuts []byte, maxSel uint16) {
		max := fuzzMax(maxSel)
		cd := advancedCodec{}
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
		want, tooLarge := expectedFrames(data, max)
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
	})
}
