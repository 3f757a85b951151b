package nodeipc

import (
	"bytes"
	"encoding/binary"
	"errors"
	"fmt"
	"math"
	"sync/atomic"

	"github.com/nodeipc/nodeipc-go/nodeipc/v8value"
)

// advancedCodec implements Node's `serialization: 'advanced'`: a 4-byte
// big-endian payload length, then a V8 ValueSerializer payload (header
// FF 0F and one value), as package v8value reads and writes it.
//
// It reads V8 formats 13 to 16 and writes 15. A raw payload in format 16
// is sent only once the peer has sent one itself (a Deno peer: V8 reads
// every format it writes); Node 26 and earlier cannot read it.
type advancedCodec struct {
	peerWrote16 atomic.Bool // a received payload was in format 16
}

func newAdvancedCodec() (codec, error) { return &advancedCodec{}, nil }

func (cd *advancedCodec) mode() Serialization { return Advanced }

// appendFramed reserves the length prefix, lets enc append the payload,
// then fills the prefix in.
func appendFramed(dst []byte, max int, enc func([]byte) ([]byte, error)) ([]byte, error) {
	start := len(dst)
	dst = append(dst, 0, 0, 0, 0)
	out, err := enc(dst)
	if err != nil {
		return dst[:start], fmt.Errorf("%w: %w", ErrUnsupportedValue, err)
	}
	n := len(out) - start - 4
	if n > max {
		return dst[:start], fmt.Errorf("%w: %d bytes (limit %d)", ErrMessageTooLarge, n, max)
	}
	binary.BigEndian.PutUint32(out[start:], uint32(n))
	return out, nil
}

func (cd *advancedCodec) appendFrame(dst []byte, v any, max int) ([]byte, error) {
	if err := v8value.CheckTopLevel(v); err != nil {
		return dst, fmt.Errorf("%w: %w", ErrUnsupportedValue, err)
	}
	return appendFramed(dst, max, func(b []byte) ([]byte, error) { return v8value.AppendMarshal(b, v) })
}

func (cd *advancedCodec) appendRaw(dst []byte, p []byte, max int) ([]byte, error) {
	if len(p) > max {
		return dst, fmt.Errorf("%w: %d bytes (limit %d)", ErrMessageTooLarge, len(p), max)
	}
	// One pass that builds nothing: what a Node peer's deserializer
	// accepts (package v8value's Validate), in a format every supported
	// Node reads (Validate also reads format 16, which Node 26 and
	// earlier refuse).
	if err := v8value.Validate(p); err != nil {
		return dst, fmt.Errorf("%w: not a V8 payload Node can read: %w", ErrUnsupportedValue, err)
	}
	if p[1] > v8value.Version && !cd.peerWrote16.Load() {
		return dst, fmt.Errorf("%w: V8 format %d, which the peer has not sent and Node 26 and earlier cannot read (re-encode it: Marshal writes %d)", ErrUnsupportedValue, p[1], v8value.Version)
	}
	dst = binary.BigEndian.AppendUint32(dst, uint32(len(p)))
	return append(dst, p...), nil
}

func (cd *advancedCodec) appendEnvelope(dst []byte, env *handleEnvelope, msg any, max int) ([]byte, error) {
	obj := &v8value.Object{Props: []v8value.Property{
		{Key: "cmd", Value: "NODE_HANDLE"},
		{Key: "type", Value: env.typ},
		{Key: "msg", Value: msg},
	}}
	if env.key != "" {
		obj.Props = append(obj.Props, v8value.Property{Key: "key", Value: env.key})
	}
	if env.dgramType != "" {
		obj.Props = append(obj.Props, v8value.Property{Key: "dgramType", Value: env.dgramType})
	}
	return appendFramed(dst, max, func(b []byte) ([]byte, error) { return v8value.AppendMarshal(b, obj) })
}

func (cd *advancedCodec) appendInternal(dst []byte, fields []field) ([]byte, error) {
	obj := &v8value.Object{Props: make([]v8value.Property, len(fields))}
	for i, f := range fields {
		obj.Props[i] = v8value.Property{Key: f.key, Value: f.val}
	}
	return appendFramed(dst, math.MaxInt, func(b []byte) ([]byte, error) { return v8value.AppendMarshal(b, obj) })
}

// frame finds the next frame. A non-empty payload must start with the V8
// header byte FF: anything else is judged as soon as that byte is here
// (foreignFrame), before the announced length is trusted, so a peer that
// writes another format (Bun) is named at once instead of being waited
// for until megabytes arrive.
func (cd *advancedCodec) frame(b []byte, _ *int, max int) (start, end, next int, err error) {
	if len(b) < 4 {
		return 0, 0, 0, nil
	}
	n := binary.BigEndian.Uint32(b)
	if n > 0 {
		if len(b) < 5 {
			return 0, 0, 0, nil
		}
		if err := foreignFrame(b); err != nil {
			return 0, 0, 0, err
		}
	}
	if uint64(n) > uint64(max) {
		return 0, 0, 0, fmt.Errorf("%w: %d-byte frame announced (limit %d)", ErrMessageTooLarge, n, max)
	}
	if uint64(len(b)) < 4+uint64(n) {
		return 0, 0, 0, nil
	}
	return 4, 4 + int(n), 4 + int(n), nil
}

// nodeUTF16 is "NODE_" as a two-byte V8 string stores it.
var nodeUTF16 = []byte("N\x00O\x00D\x00E\x00_\x00")

// internalKeys are the top-level fields an internal message is routed by.
// (socketListKey and id: Deno's variant of the socket-list messages).
var internalKeys = []string{"cmd", "type", "key", "count", "msg", "socketListKey", "id"}

// parse validates a payload in one pass that builds no values (its memory
// is a bit per object id plus the keys of the objects being read) and
// reads only the top-level fields internal messages are routed by. The
// full decode waits for Message.Decode.
func (cd *advancedCodec) parse(p []byte) (inbound, error) {
	var keys []string
	if bytes.Contains(p, nodePrefix) || bytes.Contains(p, nodeUTF16) {
		keys = internalKeys
	}
	var d v8value.Decoder
	fs, err := d.Scan(p, keys...)
	if err != nil {
		return inbound{}, protocolError("parse", p, fmt.Errorf("%w: %w", ErrMalformedMessage, err))
	}
	if p[1] == 16 {
		cd.peerWrote16.Store(true)
	}
	m := &Message{mode: Advanced, data: p}
	if keys == nil || !fs.Object() {
		return inbound{msg: m}, nil
	}
	f := advancedFields{fs: fs, payload: p}
	cmd, ok := f.str("cmd")
	if !ok || !isInternalCmd(cmd) {
		return inbound{msg: m}, nil
	}
	return inbound{cmd: cmd, msg: m, obj: f}, nil
}

// advancedFields reads the top-level fields of a scanned V8 payload.
type advancedFields struct {
	fs      *v8value.Fields
	payload []byte
}

func (f advancedFields) str(key string) (string, bool) {
	v, _ := f.fs.Value(key)
	switch s := v.(type) {
	case string:
		return s, true
	case v8value.UTF16String:
		return s.String(), true
	}
	return "", false
}

func (f advancedFields) num(key string) (float64, bool) {
	v, _ := f.fs.Value(key)
	switch n := v.(type) {
	case int:
		return float64(n), true
	case v8value.Double:
		return float64(n), true
	}
	return 0, false
}

func (f advancedFields) sub(key string) (*Message, internalFields, error) {
	if v, ok := f.fs.Value(key); ok {
		if _, undef := v.(v8value.Undefined); undef {
			return nil, nil, nil
		}
	}
	p, err := f.fs.Payload(key)
	if errors.Is(err, v8value.ErrExternalReference) {
		// The value shares objects with the rest of the frame (no Node
		// sender writes that): decode the frame and write the value alone.
		p, err = f.reencode(key)
	}
	if err != nil {
		return nil, nil, fmt.Errorf("%w: %w", ErrMalformedMessage, err)
	}
	if p == nil {
		return nil, nil, nil
	}
	m := &Message{mode: Advanced, data: p}
	var d v8value.Decoder
	fs, err := d.Scan(p, internalKeys...)
	if err != nil {
		return nil, nil, fmt.Errorf("%w: %w", ErrMalformedMessage, err)
	}
	if fs.Object() {
		return m, advancedFields{fs: fs, payload: p}, nil
	}
	return m, nil, nil
}

func (f advancedFields) reencode(key string) ([]byte, error) {
	val, err := v8value.Decode(f.payload)
	if err != nil {
		return nil, err
	}
	v, _ := val.(*v8value.Object).Get(key)
	return v8value.Marshal(v)
}
