package tap

import (
	"bytes"
	"encoding/binary"
	"fmt"
)

// Mode is a channel's serialization, as NODE_CHANNEL_SERIALIZATION_MODE
// names it.
type Mode uint8

const (
	JSON     Mode = iota // newline-delimited JSON.stringify text
	Advanced             // 4-byte big-endian length, then a V8 serializer payload
)

func (m Mode) String() string {
	if m == Advanced {
		return "advanced"
	}
	return "json"
}

// ParseMode reads NODE_CHANNEL_SERIALIZATION_MODE: empty or "json" is JSON
// (Node's default), "advanced" is Advanced, anything else an error (a Node
// child refuses to start with it).
func ParseMode(s string) (Mode, error) {
	switch s {
	case "", "json":
		return JSON, nil
	case "advanced":
		return Advanced, nil
	}
	return 0, fmt.Errorf("unknown NODE_CHANNEL_SERIALIZATION_MODE %q", s)
}

// keepLimit is how many bytes of one frame the framer keeps for the log:
// a longer frame is logged with its size and (JSON) the start of its text,
// undecoded, so that a peer's 4 GiB length prefix costs no memory.
const keepLimit = 8 << 20

// readSize is the relay's read buffer. Node reads 64 KiB at a time.
const readSize = 256 << 10

// frame is one frame found in the stream.
type frame struct {
	body  []byte // JSON: the line without its newline; advanced: the payload. Valid until the next scan.
	size  int    // bytes on the wire, framing included
	whole bool   // body holds the frame entirely (it was not over keepLimit)
	start int    // offset of its first byte in the chunk scanned, or -1 when it began in an earlier chunk
	end   int    // offset just past its last byte in the chunk scanned
}

// framer follows the frame boundaries of one direction's byte stream. It
// never changes the bytes: it only finds where frames begin and end, and
// keeps the bytes of a frame that spans reads (up to keepLimit).
// One goroutine uses it.
type framer struct {
	mode    Mode
	inFrame bool
	size    int     // bytes of the current frame so far
	over    bool    // the current frame passed keepLimit
	buf     []byte  // the kept bytes of a frame that spans chunks
	hdr     [4]byte // advanced: the length prefix so far
	hdrN    int
	need    int // advanced: payload bytes still to come
}

// scan consumes chunk and calls emit for every frame completed in it, in
// order; it returns the offset in chunk of the last frame that starts in
// it (-1 if none does). A frame that lies entirely within chunk is passed
// as a subslice of chunk; one that began earlier, from the framer's
// buffer.
func (f *framer) scan(chunk []byte, emit func(frame)) (lastStart int) {
	lastStart = -1
	off := 0
	for off < len(chunk) {
		start := -1
		if !f.inFrame {
			f.inFrame, f.size, f.over, f.hdrN, f.need = true, 0, false, 0, 0
			f.buf = f.buf[:0]
			start, lastStart = off, off
		}
		if f.mode == JSON {
			end := len(chunk)
			done := false
			if i := bytes.IndexByte(chunk[off:], '\n'); i >= 0 {
				end, done = off+i+1, true
			}
			off = f.consume(chunk, start, off, end, done, 0, emit)
			continue
		}
		if f.hdrN < 4 {
			n := copy(f.hdr[f.hdrN:], chunk[off:])
			f.hdrN += n
			f.size += n
			off += n
			if f.hdrN < 4 {
				continue
			}
			f.need = int(binary.BigEndian.Uint32(f.hdr[:]))
			if start >= 0 {
				start = off - 4 // the payload follows in this chunk
			}
		}
		n := min(f.need, len(chunk)-off)
		f.need -= n
		off = f.consume(chunk, start, off, off+n, f.need == 0, 4, emit)
	}
	return lastStart
}

// consume takes chunk[off:end] into the current frame and emits it when
// done. start is the frame's offset in chunk (-1: it began earlier);
// prefix is the length of the framing before the body (4 or 0).
func (f *framer) consume(chunk []byte, start, off, end int, done bool, prefix int, emit func(frame)) int {
	seg := chunk[off:end]
	if done && start >= 0 && len(f.buf) == 0 {
		// The whole frame is in this chunk: no copy.
		body := chunk[start+prefix : end]
		f.size += len(seg)
		f.inFrame = false
		emit(frame{body: trimNL(f.mode, body), size: f.size, whole: len(body) <= keepLimit, start: start, end: end})
		return end
	}
	f.size += len(seg)
	if !f.over {
		if room := keepLimit - len(f.buf); len(seg) > room {
			f.buf = append(f.buf, seg[:room]...)
			f.over = true
		} else {
			f.buf = append(f.buf, seg...)
		}
	}
	if done {
		f.inFrame = false
		emit(frame{body: trimNL(f.mode, f.buf), size: f.size, whole: !f.over, start: -1, end: end})
		f.buf = f.buf[:0]
		if cap(f.buf) > 1<<20 {
			f.buf = nil // a large frame's buffer is not kept for the next one
		}
	}
	return end
}

func trimNL(m Mode, b []byte) []byte {
	if m == JSON && len(b) > 0 && b[len(b)-1] == '\n' {
		return b[:len(b)-1]
	}
	return b
}

// partialPrefix returns how many bytes of an advanced frame's length
// prefix the framer has seen without the rest (0 when it is not inside a
// prefix).
func (f *framer) partialPrefix() int {
	if f.mode == Advanced && f.inFrame && f.hdrN < 4 {
		return f.hdrN
	}
	return 0
}
