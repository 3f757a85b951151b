package nodeipc

import (
	"bytes"
	"fmt"

	"github.com/nodeipc/nodeipc-go/nodeipc/internal/jsonx"
)

// jsonCodec implements Node's default serialization: JSON.stringify text
// followed by "\n", one message per line.
type jsonCodec struct{}

func (jsonCodec) mode() Serialization { return JSON }

func (jsonCodec) appendFrame(dst []byte, v any, max int) ([]byte, error) {
	n0 := len(dst)
	if out, err := jsonx.AppendLine(dst, v); err == nil {
		body := out[n0 : len(out)-1]
		if bytes.IndexByte(body, '\n') < 0 {
			if len(body) > max {
				return dst[:n0], fmt.Errorf("%w: %d bytes (limit %d)", ErrMessageTooLarge, len(body), max)
			}
			return out, nil
		}
		dst = out[:n0] // a raw newline: compact it below
	}
	b, err := marshalJSON(v)
	if err != nil {
		return dst, err
	}
	if len(b) > max {
		return dst, fmt.Errorf("%w: %d bytes (limit %d)", ErrMessageTooLarge, len(b), max)
	}
	dst = append(dst, b...)
	return append(dst, '\n'), nil
}

// marshalJSON encodes v as JSON.stringify would, guaranteeing a single line.
func marshalJSON(v any) ([]byte, error) {
	b, err := jsonx.Marshal(v)
	if err != nil {
		return nil, fmt.Errorf("%w: %w", ErrUnsupportedValue, err)
	}
	if bytes.IndexByte(b, '\n') >= 0 {
		// Only a pre-encoded value (json.RawMessage, a Marshaler) can
		// contain a raw newline, and only as whitespace: compact it.
		var buf bytes.Buffer
		if err := jsonx.Compact(&buf, b); err != nil {
			return nil, fmt.Errorf("%w: %w", ErrUnsupportedValue, err)
		}
		b = buf.Bytes()
	}
	return b, nil
}

func (jsonCodec) appendRaw(dst []byte, p []byte, max int) ([]byte, error) {
	if len(p) > max {
		return dst, fmt.Errorf("%w: %d bytes (limit %d)", ErrMessageTooLarge, len(p), max)
	}
	if bytes.IndexByte(p, '\n') >= 0 || !(jsonx.Valid(p) || jsonx.ValidText(p)) {
		return dst, fmt.Errorf("%w: not a single-line JSON text", ErrUnsupportedValue)
	}
	dst = append(dst, p...)
	return append(dst, '\n'), nil
}

func (c jsonCodec) appendEnvelope(dst []byte, env *handleEnvelope, msg any, max int) ([]byte, error) {
	m, err := marshalJSON(msg)
	if err != nil {
		return dst, err
	}
	if len(m) > max {
		return dst, fmt.Errorf("%w: %d bytes (limit %d)", ErrMessageTooLarge, len(m), max)
	}
	// The limit applies to the whole line the peer receives, envelope
	// included.
	start := len(dst)
	dst = append(dst, `{"cmd":"NODE_HANDLE","type":`...)
	dst = appendJSONString(dst, env.typ)
	dst = append(dst, `,"msg":`...)
	dst = append(dst, m...)
	if env.key != "" {
		dst = append(dst, `,"key":`...)
		dst = appendJSONString(dst, env.key)
	}
	if env.dgramType != "" {
		dst = append(dst, `,"dgramType":`...)
		dst = appendJSONString(dst, env.dgramType)
	}
	dst = append(dst, '}')
	if n := len(dst) - start; n > max {
		return dst[:start], fmt.Errorf("%w: %d bytes with the handle envelope (limit %d)", ErrMessageTooLarge, n, max)
	}
	return append(dst, '\n'), nil
}

func (jsonCodec) appendInternal(dst []byte, fields []field) ([]byte, error) {
	dst = append(dst, '{')
	for i, f := range fields {
		if i > 0 {
			dst = append(dst, ',')
		}
		dst = appendJSONString(dst, f.key)
		dst = append(dst, ':')
		v, err := marshalJSON(f.val)
		if err != nil {
			return dst, err
		}
		dst = append(dst, v...)
	}
	return append(dst, "}\n"...), nil
}

func appendJSONString(dst []byte, s string) []byte {
	b, _ := jsonx.Marshal(s) // a string always encodes
	return append(dst, b...)
}

func (jsonCodec) frame(b []byte, scanned *int, max int) (start, end, next int, err error) {
	i := bytes.IndexByte(b[*scanned:], '\n')
	if i < 0 {
		*scanned = len(b)
		if len(b) > max {
			return 0, 0, 0, fmt.Errorf("%w: line longer than %d bytes", ErrMessageTooLarge, max)
		}
		return 0, 0, 0, nil
	}
	end = *scanned + i
	*scanned = 0
	if end > max {
		return 0, 0, 0, fmt.Errorf("%w: %d-byte line (limit %d)", ErrMessageTooLarge, end, max)
	}
	return 0, end, end + 1, nil
}

func (jsonCodec) parse(p []byte) (inbound, error) {
	// Node decodes the stream as UTF-8 before parsing: ill-formed bytes
	// become U+FFFD (in strings that is what the receiver gets; elsewhere
	// the line is then not JSON).
	p = jsonx.NodeUTF8(p)
	if !mayBeInternalJSON(p) || firstNonSpace(p) != '{' {
		// jsonx.ValidText only runs when the fast validator refuses: it
		// accepts the values nested deeper than 10,000 that Node parses.
		if !jsonx.Valid(p) && !jsonx.ValidText(p) {
			return inbound{}, protocolError("parse", p, ErrMalformedMessage)
		}
		return inbound{msg: &Message{mode: JSON, data: p}}, nil
	}
	// Only the top-level members are read (see jsonx.Top).
	top, _, valid := jsonx.Top(p, internalKeys)
	f := jsonFields(top)
	if !valid {
		return inbound{}, protocolError("parse", p, ErrMalformedMessage)
	}
	m := &Message{mode: JSON, data: p}
	cmd, ok := f.str("cmd")
	if !ok || !isInternalCmd(cmd) {
		return inbound{msg: m}, nil
	}
	return inbound{cmd: cmd, msg: m, obj: f}, nil
}

func firstNonSpace(b []byte) byte {
	for _, c := range b {
		switch c {
		case ' ', '\t', '\r', '\n':
			continue
		}
		return c
	}
	return 0
}

// jsonFields reads fields of a decoded JSON object.
type jsonFields map[string]jsonx.RawMessage

func (f jsonFields) str(key string) (string, bool) {
	raw, ok := f[key]
	if !ok || firstNonSpace(raw) != '"' {
		return "", false
	}
	var s string
	if jsonx.Unmarshal(raw, &s) != nil {
		return "", false
	}
	return s, true
}

func (f jsonFields) num(key string) (float64, bool) {
	raw, ok := f[key]
	if !ok {
		return 0, false
	}
	c := firstNonSpace(raw)
	if c != '-' && (c < '0' || c > '9') {
		return 0, false
	}
	var n float64
	if jsonx.Unmarshal(raw, &n) != nil {
		return 0, false
	}
	return n, true
}

func (f jsonFields) sub(key string) (*Message, internalFields, error) {
	raw, ok := f[key]
	if !ok {
		return nil, nil, nil
	}
	m := &Message{mode: JSON, data: bytes.TrimSpace(raw)}
	if firstNonSpace(raw) != '{' {
		return m, nil, nil
	}
	obj, _, valid := jsonx.Top(raw, internalKeys)
	if !valid {
		return nil, nil, ErrMalformedMessage
	}
	return m, jsonFields(obj), nil
}
