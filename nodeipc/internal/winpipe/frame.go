// Package winpipe is the Windows side of Node's IPC channel: libuv's IPC
// framing over a named pipe, the C runtime's handle-inheritance block that
// tells a child which HANDLE is its channel, overlapped pipe I/O, and socket
// transfer through WSAPROTOCOL_INFOW blobs.
//
// The framing and the inheritance block are plain byte layouts and live in
// files without a build tag, so that they are tested and fuzzed on every
// platform; everything that calls Win32 is in *_windows.go files.
//
// On Windows every write libuv makes on an IPC pipe is one frame:
//
//	header    16 bytes, little-endian: flags, reserved1, data_length, reserved2
//	xfer info 632 bytes, only with FlagSocketXfer: WSAPROTOCOL_INFOW + uint32 delayed_error
//	data      data_length bytes, only with FlagData
//
// The data of successive frames is one byte stream (the JSON lines or
// advanced-mode records of Node's protocol); a frame boundary means nothing
// above the framing, except that a transferred socket belongs to the frame
// that carries it.
package winpipe

import (
	"encoding/binary"
	"errors"
	"fmt"
)

// Frame flags (uv__ipc_frame_header_t.flags).
const (
	FlagData       = 0x01 // data follows the header (and the xfer info)
	FlagSocketXfer = 0x02 // a socket transfer info block follows the header
	FlagXferConn   = 0x04 // the transferred socket is a connection, not a listener
	validFlags     = FlagData | FlagSocketXfer | FlagXferConn
)

// Sizes of the framing.
const (
	HeaderSize       = 16
	ProtocolInfoSize = 628                  // sizeof(WSAPROTOCOL_INFOW) on Windows
	XferInfoSize     = ProtocolInfoSize + 4 // + uint32 delayed_error
)

// ErrMalformedFrame is wrapped by every *FrameError.
var ErrMalformedFrame = errors.New("malformed libuv IPC frame")

// FrameError reports a frame header libuv's own reader would reject (it ends
// the channel with WSAECONNABORTED), or one whose data length is past the
// receiver's limit. Header holds the 16 bytes as received.
type FrameError struct {
	Header  [HeaderSize]byte
	Reason  string
	TooLong bool // data_length is past the limit (the header is otherwise valid)
}

func (e *FrameError) Error() string {
	return fmt.Sprintf("%v: %s (header % x)", ErrMalformedFrame, e.Reason, e.Header[:])
}

func (e *FrameError) Unwrap() error { return ErrMalformedFrame }

// Header is a decoded frame header.
type Header struct {
	Flags      uint32
	DataLength uint32
}

// HasXfer reports whether a transfer info block follows the header.
func (h Header) HasXfer() bool { return h.Flags&FlagSocketXfer != 0 }

// IsConn reports whether the transferred socket is a connection.
func (h Header) IsConn() bool { return h.Flags&FlagXferConn != 0 }

// ParseHeader decodes and validates a header as libuv's reader does:
// unknown flags, a non-zero reserved2, data without FlagData, and
// FlagXferConn without FlagSocketXfer are errors; so is a data length above
// max (max <= 0: no limit). reserved1 is ignored, as in libuv.
func ParseHeader(b []byte, max int) (Header, error) {
	if len(b) < HeaderSize {
		return Header{}, fmt.Errorf("%w: %d-byte header", ErrMalformedFrame, len(b))
	}
	le := binary.LittleEndian
	h := Header{Flags: le.Uint32(b), DataLength: le.Uint32(b[8:])}
	reason := ""
	switch {
	case h.Flags&^validFlags != 0:
		reason = fmt.Sprintf("unknown flags %#x", h.Flags&^validFlags)
	case le.Uint32(b[12:]) != 0:
		reason = fmt.Sprintf("reserved2 is %#x, not 0", le.Uint32(b[12:]))
	case h.Flags&FlagData == 0 && h.DataLength != 0:
		reason = fmt.Sprintf("data_length %d without the data flag", h.DataLength)
	case h.Flags&FlagXferConn != 0 && h.Flags&FlagSocketXfer == 0:
		reason = "connection flag without a socket transfer"
	case max > 0 && uint64(h.DataLength) > uint64(max):
		e := &FrameError{Reason: fmt.Sprintf("data_length %d past the limit %d", h.DataLength, max), TooLong: true}
		copy(e.Header[:], b)
		return h, e
	}
	if reason != "" {
		e := &FrameError{Reason: reason}
		copy(e.Header[:], b)
		return h, e
	}
	return h, nil
}

// AppendHeader appends the header of a frame carrying n data bytes, with a
// socket transfer when xfer is set (a connection when conn is set). These
// are the only flag combinations libuv writes: FlagData only when n > 0.
func AppendHeader(b []byte, n int, xfer, conn bool) []byte {
	var flags uint32
	if n > 0 {
		flags |= FlagData
	}
	if xfer {
		flags |= FlagSocketXfer
		if conn {
			flags |= FlagXferConn
		}
	}
	b = binary.LittleEndian.AppendUint32(b, flags)
	b = binary.LittleEndian.AppendUint32(b, 0)
	b = binary.LittleEndian.AppendUint32(b, uint32(n))
	return binary.LittleEndian.AppendUint32(b, 0)
}

// Xfer is a socket transfer info block as received: the WSAPROTOCOL_INFOW
// (opaque bytes, given back to WSASocketW) and libuv's delayed_error (a
// Winsock error that happened on the sender's side, e.g. a connection reset
// before the hand-off; 0 normally).
type Xfer struct {
	Info         [ProtocolInfoSize]byte
	DelayedError uint32
	Conn         bool // FlagXferConn: a connected socket, not a listener
}

// Unframer splits the byte stream read from an IPC pipe into frames,
// whatever the read boundaries. Its state is a few counters and the pending
// header and xfer bytes: it never buffers data.
type Unframer struct {
	max  int
	hdr  [HeaderSize]byte
	hn   int // header bytes held
	h    Header
	xbuf [XferInfoSize]byte
	xn   int    // xfer bytes held
	left uint32 // data bytes of the current frame still to come
	err  error  // sticky: the stream cannot be re-synchronized
}

// NewUnframer returns an Unframer that rejects frames with more than max data
// bytes (max <= 0: no limit).
func NewUnframer(max int) *Unframer { return &Unframer{max: max} }

// Next consumes a prefix of in. It returns how many bytes it consumed, the
// frame data among them (a sub-slice of in, possibly empty: a frame's data
// may come in several pieces), and a completed transfer block, if the bytes
// consumed completed one (the data of its frame follows). At most one of data
// and xfer is non-empty. Call Next until in is consumed. An error is
// permanent: the stream has no way to find the next frame.
func (u *Unframer) Next(in []byte) (n int, data []byte, xfer *Xfer, err error) {
	if u.err != nil {
		return 0, nil, nil, u.err
	}
	for n < len(in) {
		switch {
		case u.left > 0 && u.hn == HeaderSize && (!u.h.HasXfer() || u.xn == XferInfoSize):
			k := min(uint64(len(in)-n), uint64(u.left))
			data = in[n : n+int(k)]
			u.left -= uint32(k)
			n += int(k)
			if u.left == 0 {
				u.hn, u.xn = 0, 0
			}
			return n, data, nil, nil
		case u.hn < HeaderSize:
			k := copy(u.hdr[u.hn:], in[n:])
			u.hn += k
			n += k
			if u.hn < HeaderSize {
				return n, nil, nil, nil
			}
			h, err := ParseHeader(u.hdr[:], u.max)
			if err != nil {
				u.err = err
				return n, nil, nil, err
			}
			u.h, u.left = h, h.DataLength
			if !h.HasXfer() && u.left == 0 {
				u.hn = 0 // an empty frame: nothing follows
			}
		default: // reading the xfer block
			k := copy(u.xbuf[u.xn:], in[n:])
			u.xn += k
			n += k
			if u.xn < XferInfoSize {
				return n, nil, nil, nil
			}
			x := &Xfer{DelayedError: binary.LittleEndian.Uint32(u.xbuf[ProtocolInfoSize:]), Conn: u.h.IsConn()}
			copy(x.Info[:], u.xbuf[:])
			if u.left == 0 {
				u.hn, u.xn = 0, 0
			}
			return n, nil, x, nil
		}
	}
	return n, nil, nil, nil
}

// InFrame reports whether the stream stopped inside a frame (an EOF now
// would cut a frame short).
func (u *Unframer) InFrame() bool { return u.hn > 0 }
