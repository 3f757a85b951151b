package winpipe

import (
	"bytes"
	"encoding/binary"
	"errors"
	"testing"
)

func hdr(flags, r1, n, r2 uint32) []byte {
	b := make([]byte, 0, HeaderSize)
	for _, v := range []uint32{flags, r1, n, r2} {
		b = binary.LittleEndian.AppendUint32(b, v)
	}
	return b
}

// The headers Node writes, as seen on the wire (Node 20 and 22 on Windows).
func TestParseHeaderNode(t *testing.T) {
	for _, c := range []struct {
		b            []byte
		flags, n     uint32
		xfer, isConn bool
	}{
		{hdr(1, 0, 59, 0), 1, 59, false, false},
		{hdr(7, 0, 79, 0), 7, 79, true, true},
		{hdr(3, 0, 80, 0), 3, 80, true, false},
		{hdr(2, 0, 0, 0), 2, 0, true, false},
		{hdr(1, 0xdeadbeef, 1, 0), 1, 1, false, false}, // reserved1 is ignored
		{hdr(0, 0, 0, 0), 0, 0, false, false},
	} {
		h, err := ParseHeader(c.b, 1<<20)
		if err != nil || h.Flags != c.flags || h.DataLength != c.n || h.HasXfer() != c.xfer || h.IsConn() != c.isConn {
			t.Errorf("% x: %+v %v", c.b, h, err)
		}
	}
}

func TestParseHeaderRejects(t *testing.T) {
	for _, c := range []struct {
		b       []byte
		tooLong bool
	}{
		{hdr(8, 0, 0, 0), false},      // unknown flag
		{hdr(0x81, 0, 1, 0), false},   // unknown flag with data
		{hdr(1, 0, 1, 1), false},      // reserved2
		{hdr(0, 0, 5, 0), false},      // data length without the data flag
		{hdr(2, 0, 5, 0), false},      // same, with a transfer
		{hdr(4, 0, 0, 0), false},      // connection flag without a transfer
		{hdr(5, 0, 1, 0), false},      // same, with data
		{hdr(1, 0, 1<<20+1, 0), true}, // past the limit
	} {
		_, err := ParseHeader(c.b, 1<<20)
		var fe *FrameError
		if !errors.As(err, &fe) || !errors.Is(err, ErrMalformedFrame) || fe.TooLong != c.tooLong || !bytes.Equal(fe.Header[:], c.b) {
			t.Errorf("% x: %v", c.b, err)
		}
	}
	if _, err := ParseHeader(make([]byte, 15), 0); !errors.Is(err, ErrMalformedFrame) {
		t.Errorf("short header: %v", err)
	}
	if _, err := ParseHeader(hdr(1, 0, 0xffffffff, 0), 0); err != nil {
		t.Errorf("no limit: %v", err)
	}
}

func TestAppendHeader(t *testing.T) {
	for _, c := range []struct {
		n          int
		xfer, conn bool
		want       []byte
	}{
		{59, false, false, hdr(1, 0, 59, 0)},
		{79, true, true, hdr(7, 0, 79, 0)},
		{80, true, false, hdr(3, 0, 80, 0)},
		{0, false, false, hdr(0, 0, 0, 0)},
		{0, false, true, hdr(0, 0, 0, 0)}, // conn means nothing without a transfer
	} {
		got := AppendHeader(nil, c.n, c.xfer, c.conn)
		if !bytes.Equal(got, c.want) {
			t.Errorf("%d %v %v: % x", c.n, c.xfer, c.conn, got)
		}
		if _, err := ParseHeader(got, 0); err != nil {
			t.Errorf("our own header rejected: %v", err)
		}
	}
}

type frameEvent struct {
	xfer *Xfer
	data []byte
}

// unframe runs the whole stream through an Unframer, split at the given
// chunk size, and returns the transfers and the data in stream order (data
// pieces merged).
func unframe(stream []byte, chunk, max int) ([]frameEvent, error) {
	u := NewUnframer(max)
	var evs []frameEvent
	for len(stream) > 0 {
		c := stream[:min(chunk, len(stream))]
		stream = stream[len(c):]
		for len(c) > 0 {
			n, data, x, err := u.Next(c)
			if err != nil {
				return evs, err
			}
			if n == 0 {
				panic("no progress")
			}
			c = c[n:]
			switch {
			case x != nil:
				evs = append(evs, frameEvent{xfer: x})
			case len(data) > 0:
				if k := len(evs); k > 0 && evs[k-1].xfer == nil {
					evs[k-1].data = append(evs[k-1].data, data...)
				} else {
					evs = append(evs, frameEvent{data: append([]byte(nil), data...)})
				}
			}
		}
	}
	if u.InFrame() {
		return evs, errors.New("stream ends inside a frame")
	}
	return evs, nil
}

func xferBlock(seed byte) []byte {
	b := make([]byte, XferInfoSize)
	for i := range b {
		b[i] = seed + byte(i)
	}
	return b
}

func TestUnframerChunking(t *testing.T) {
	var stream []byte
	stream = append(AppendHeader(stream, 5, false, false), "hello"...)
	stream = append(AppendHeader(stream, 3, true, true), xferBlock(1)...)
	stream = append(stream, "abc"...)
	stream = AppendHeader(stream, 0, false, false) // empty frame
	stream = append(AppendHeader(stream, 0, true, false), xferBlock(2)...)
	stream = append(AppendHeader(stream, 2, false, false), "de"...)
	for chunk := 1; chunk <= len(stream); chunk++ {
		evs, err := unframe(stream, chunk, 100)
		if err != nil {
			t.Fatalf("chunk %d: %v", chunk, err)
		}
		if len(evs) != 5 || string(evs[0].data) != "hello" || evs[1].xfer == nil || !evs[1].xfer.Conn ||
			!bytes.Equal(evs[1].xfer.Info[:], xferBlock(1)[:ProtocolInfoSize]) ||
			evs[1].xfer.DelayedError != binary.LittleEndian.Uint32(xferBlock(1)[ProtocolInfoSize:]) ||
			string(evs[2].data) != "abc" || evs[3].xfer == nil || evs[3].xfer.Conn || string(evs[4].data) != "de" {
			t.Fatalf("chunk %d: %+v", chunk, evs)
		}
	}
}

func TestUnframerErrors(t *testing.T) {
	stream := append(AppendHeader(nil, 2, false, false), "ok"...)
	stream = append(stream, hdr(1, 0, 1, 9)...)
	evs, err := unframe(stream, 7, 0)
	if !errors.Is(err, ErrMalformedFrame) || len(evs) != 1 || string(evs[0].data) != "ok" {
		t.Fatalf("%+v %v", evs, err)
	}
	u := NewUnframer(0)
	u.Next(hdr(0x10, 0, 0, 0))
	if _, _, _, err := u.Next([]byte("x")); !errors.Is(err, ErrMalformedFrame) {
		t.Fatalf("error not sticky: %v", err)
	}
	_, err = unframe(append(AppendHeader(nil, 10, false, false), "short"...), 3, 0)
	if err == nil {
		t.Fatal("a stream ending inside a frame")
	}
}

func TestCRTHandle(t *testing.T) {
	// The block a plain fork() gives the child, as seen under wine: 4
	// descriptors, flags 41 01 01 09, the IPC pipe at 3.
	block := AppendCRTBlock(nil, []byte{0x41, 0x01, 0x01, 0x09}, []uint64{0x10, 0x14, 0x18, 0xabcdef})
	h, fl, err := CRTHandle(block, 3)
	if err != nil || h != 0xabcdef || fl != CRTOpen|CRTPipe {
		t.Fatalf("%#x %#x %v", h, fl, err)
	}
	for _, c := range []struct {
		b  []byte
		fd int
	}{
		{nil, 0}, {block[:3], 0}, {block[:len(block)-1], 3}, {block, 4}, {block, -1},
		{AppendCRTBlock(nil, []byte{0}, []uint64{5}), 0}, // not open
		{binary.LittleEndian.AppendUint32(nil, 0x80000000), 0},
	} {
		if _, _, err := CRTHandle(c.b, c.fd); err == nil {
			t.Errorf("% x fd %d: no error", c.b, c.fd)
		}
	}
}

// FuzzUnframer: any stream, split anywhere, gives the same frames and the
// same error as the stream in one piece, and never panics.
func FuzzUnframer(f *testing.F) {
	s := append(AppendHeader(nil, 3, true, true), xferBlock(0)...)
	s = append(s, "abc"...)
	f.Add(s, uint16(1))
	f.Add(append(AppendHeader(nil, 4, false, false), "abcd"...), uint16(3))
	f.Add(hdr(1, 0, 1, 1), uint16(5))
	f.Fuzz(func(t *testing.T, stream []byte, chunk uint16) {
		whole, werr := unframe(stream, len(stream)+1, 1<<16)
		parts, perr := unframe(stream, int(chunk%64)+1, 1<<16)
		if (werr == nil) != (perr == nil) || len(whole) != len(parts) {
			t.Fatalf("whole %d %v, parts %d %v", len(whole), werr, len(parts), perr)
		}
		for i := range whole {
			if !bytes.Equal(whole[i].data, parts[i].data) || (whole[i].xfer == nil) != (parts[i].xfer == nil) ||
				(whole[i].xfer != nil && *whole[i].xfer != *parts[i].xfer) {
				t.Fatalf("event %d differs", i)
			}
		}
	})
}

func FuzzCRTHandle(f *testing.F) {
	f.Add(AppendCRTBlock(nil, []byte{0x41, 0x01, 0x01, 0x09}, []uint64{1, 2, 3, 4}), 3)
	f.Fuzz(func(t *testing.T, b []byte, fd int) {
		h, fl, err := CRTHandle(b, fd)
		if err == nil && (fl&CRTOpen == 0 || fd < 0 || 4+fd >= len(b)) {
			t.Fatalf("accepted %#x %#x", h, fl)
		}
	})
}
