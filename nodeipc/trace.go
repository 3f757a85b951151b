package nodeipc

import (
	"bytes"
	"context"
	"fmt"
	"log/slog"
	"strconv"
	"time"
	"unicode/utf8"

	"github.com/nodeipc/nodeipc-go/nodeipc/internal/jsonx"
	"github.com/nodeipc/nodeipc-go/nodeipc/v8value"
)

// TraceKind says what a TraceEvent reports.
type TraceKind uint8

const (
	// TraceReceived: a frame read from the peer (a message, an internal
	// message, the peer's ACK or NACK), before it is handled.
	TraceReceived TraceKind = iota + 1
	// TraceSent: a frame about to be written to the peer (reported
	// before the write, so before any answer to it; a failed write ends
	// the channel, see Channel.Err). A NODE_HANDLE sent again after a
	// NACK has Retransmission > 0.
	TraceSent
	// TraceHandle: the descriptor a received NODE_HANDLE takes, described
	// in Handle, or none (Handle is empty): the envelope is then NACKed.
	TraceHandle
	// TraceAck: this side queued a NODE_HANDLE_ACK (Cmd) or
	// NODE_HANDLE_NACK for the peer; it overtakes queued messages.
	TraceAck
)

func (k TraceKind) String() string {
	switch k {
	case TraceReceived:
		return "received"
	case TraceSent:
		return "sent"
	case TraceHandle:
		return "handle"
	case TraceAck:
		return "ack"
	}
	return "TraceKind(" + strconv.Itoa(int(k)) + ")"
}

// TraceEvent is one event reported to Options.Trace.
//
// Frame is only valid during the call: the hook must copy it to keep it.
type TraceEvent struct {
	// Kind says what happened, Time when, and Serialization is the
	// channel's (it says how to read Frame).
	Kind          TraceKind
	Time          time.Time
	Serialization Serialization

	// Frame is the payload (JSON: the line without its newline; advanced:
	// the V8 payload without its length prefix), for TraceReceived,
	// TraceSent and TraceAck. Size is the frame's length on the wire.
	Frame []byte
	Size  int

	// Cmd is the internal command (NODE_HANDLE, NODE_HANDLE_ACK,
	// NODE_SOCKET_COUNT, NODE_CLUSTER, …), "" for a user message;
	// HandleType is a NODE_HANDLE envelope's type (net.Socket, …).
	Cmd, HandleType string

	// Handle describes a received descriptor (TraceHandle), e.g. "an IPv4
	// stream socket".
	Handle string

	// Retransmission counts the times a NODE_HANDLE frame was sent again
	// after a NACK (1 to 3).
	Retransmission int
}

// Value decodes Frame: a Go value as Message.Decode into an `any` gives
// it (JSON), or v8value's generic representation (advanced).
func (e *TraceEvent) Value() (any, error) {
	if e.Serialization == Advanced {
		return v8value.Decode(e.Frame)
	}
	var v any
	err := jsonx.Unmarshal(e.Frame, &v)
	return v, err
}

// traceValueMax is where String cuts the message.
const traceValueMax = 256

// String describes the event on one line: kind, size, command and handle
// type, the descriptor, and the message (JSON as sent, advanced values
// printed by v8value.Format), cut after 256 bytes.
func (e *TraceEvent) String() string {
	b := []byte(e.Kind.String())
	if e.Size > 0 {
		b = append(b, ' ')
		b = strconv.AppendInt(b, int64(e.Size), 10)
		b = append(b, 'B')
	}
	for _, s := range []string{e.Cmd, e.HandleType} {
		if s != "" {
			b = append(b, ' ')
			b = append(b, s...)
		}
	}
	if e.Retransmission > 0 {
		b = fmt.Appendf(b, " (retransmission %d)", e.Retransmission)
	}
	if e.Handle != "" {
		b = append(b, " ["...)
		b = append(b, e.Handle...)
		b = append(b, ']')
	}
	if e.Kind == TraceHandle && e.Handle == "" {
		b = append(b, " none: NACK"...)
	}
	if len(e.Frame) > 0 {
		b = append(b, ' ')
		b = appendTraceValue(b, e.Serialization, e.Frame)
	}
	return string(b)
}

func appendTraceValue(b []byte, mode Serialization, p []byte) []byte {
	if mode == Advanced {
		v, err := v8value.Decode(p)
		if err != nil {
			return fmt.Appendf(b, "(%v)", err)
		}
		b, _ = v8value.AppendFormat(b, v, traceValueMax)
		return b
	}
	if len(p) <= traceValueMax {
		return append(b, p...)
	}
	n := traceValueMax
	for n > 0 && !utf8.RuneStart(p[n]) {
		n--
	}
	return append(append(b, p[:n]...), "…"...)
}

// SlogTrace returns an Options.Trace hook that logs each event to l at
// level, with the attributes kind, size, cmd, type, handle,
// retransmission and the message as String prints it (msg "nodeipc").
// The hook checks l.Enabled first, so a disabled level costs no decoding.
func SlogTrace(l *slog.Logger, level slog.Level) func(TraceEvent) {
	return func(e TraceEvent) {
		ctx := context.Background()
		if !l.Enabled(ctx, level) {
			return
		}
		attrs := []slog.Attr{slog.String("kind", e.Kind.String())}
		if e.Size > 0 {
			attrs = append(attrs, slog.Int("size", e.Size))
		}
		if e.Cmd != "" {
			attrs = append(attrs, slog.String("cmd", e.Cmd))
		}
		if e.HandleType != "" {
			attrs = append(attrs, slog.String("type", e.HandleType))
		}
		if e.Handle != "" {
			attrs = append(attrs, slog.String("handle", e.Handle))
		}
		if e.Retransmission > 0 {
			attrs = append(attrs, slog.Int("retransmission", e.Retransmission))
		}
		if len(e.Frame) > 0 {
			attrs = append(attrs, slog.String("value", string(appendTraceValue(nil, e.Serialization, e.Frame))))
		}
		l.LogAttrs(ctx, level, "nodeipc", attrs...)
	}
}

// trace fills the event's common fields and calls the hook.
func (c *Channel) trace(e TraceEvent) {
	e.Time = time.Now()
	e.Serialization = c.codec.mode()
	if len(e.Frame) > 0 {
		e.Cmd, e.HandleType = traceClassify(e.Serialization, e.Frame)
	}
	c.opts.Trace(e)
}

// traceIn reports a received payload (as dispatch gets it).
func (c *Channel) traceIn(payload []byte) {
	c.trace(TraceEvent{Kind: TraceReceived, Frame: payload, Size: traceWireSize(c.codec.mode(), payload)})
}

// traceOut reports the frames of a write about to start (each request
// holds one whole frame, framing included). ACK and NACK frames are
// reported when queued (traceAck), since a remainder of one may be
// written later on its own.
func (c *Channel) traceOut(batch []*writeReq) {
	for _, r := range batch {
		if r.kind == reqControl {
			continue
		}
		e := TraceEvent{Kind: TraceSent, Frame: traceUnframe(c.codec.mode(), r.b), Size: len(r.b)}
		if r.h != nil {
			e.Retransmission = r.h.tries
		}
		c.trace(e)
	}
}

// traceHandle reports the descriptor a received NODE_HANDLE takes (ok
// false: there is none).
func (c *Channel) traceHandle(f rxHandle, ok bool) {
	e := TraceEvent{Kind: TraceHandle}
	if ok {
		if info, err := f.inspect(); err == nil {
			e.Handle = info.String()
		} else {
			e.Handle = "a descriptor that cannot be inspected: " + err.Error()
		}
	}
	c.trace(e)
}

// traceAck reports a queued ACK or NACK frame.
func (c *Channel) traceAck(frame []byte) {
	c.trace(TraceEvent{Kind: TraceAck, Frame: traceUnframe(c.codec.mode(), frame), Size: len(frame)})
}

// traceUnframe strips a frame's framing: the JSON newline, the advanced
// length prefix.
func traceUnframe(mode Serialization, f []byte) []byte {
	if mode == Advanced {
		if len(f) >= 4 {
			return f[4:]
		}
		return nil
	}
	return bytes.TrimSuffix(f, []byte("\n"))
}

func traceWireSize(mode Serialization, payload []byte) int {
	if mode == Advanced {
		return len(payload) + 4
	}
	return len(payload) + 1
}

// traceClassify returns an internal message's cmd and, for NODE_HANDLE,
// its type.
func traceClassify(mode Serialization, p []byte) (cmd, typ string) {
	if !bytes.Contains(p, nodePrefix) && !(mode == Advanced && bytes.Contains(p, nodeUTF16)) {
		return "", ""
	}
	if mode == Advanced {
		v, err := v8value.Decode(p)
		if err != nil {
			return "", ""
		}
		obj, ok := v.(*v8value.Object)
		if !ok {
			return "", ""
		}
		str := func(k string) string {
			switch s := traceGet(obj, k).(type) {
			case string:
				return s
			case v8value.UTF16String:
				return s.String()
			}
			return ""
		}
		cmd = str("cmd")
		if !isInternalCmd(cmd) {
			return "", ""
		}
		return cmd, str("type")
	}
	var top struct {
		Cmd  any `json:"cmd"`
		Type any `json:"type"`
	}
	if jsonx.Unmarshal(p, &top) != nil {
		return "", ""
	}
	cmd, _ = top.Cmd.(string)
	if !isInternalCmd(cmd) {
		return "", ""
	}
	typ, _ = top.Type.(string)
	return cmd, typ
}

func traceGet(o *v8value.Object, k string) any {
	v, _ := o.Get(k)
	return v
}
