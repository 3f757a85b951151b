// Package jsonx is the one place nodeipc touches a JSON library. Everything
// else calls these functions, so the implementation (encoding/json encodes,
// github.com/goccy/go-json decodes and validates) can be swapped in this
// package alone.
//
// The encoder writes what JavaScript's JSON.stringify writes for the same
// value (the JavaScript value the receiver's JSON.parse makes of it):
//
//   - no HTML escaping; U+2028, U+2029 and U+FFFD raw; lone surrogates (in
//     pre-encoded JSON) as \udxxx escapes;
//   - NaN and ±Inf as null, in arrays, objects and struct fields alike;
//   - -0 as 0;
//   - object keys that are array indices ("0" … "4294967294") first, in
//     numeric order, then the other keys: sorted for a Go map, in declared
//     order for a struct (what a JavaScript object built in that order
//     enumerates);
//
// Go values JavaScript has no equal for keep encoding/json's text, which
// JSON.parse reads as the nearest JavaScript value: integers beyond 2^53
// are written with all their digits (JSON.parse rounds them to the nearest
// double, exactly as it rounds JSON.stringify's shorter text for that
// double; a Go receiver gets the exact integer); []byte is a base64
// string; time.Time is its RFC 3339 string with nanoseconds (Date.parse
// reads it, to the millisecond). Ill-formed UTF-8 in a Go string becomes
// U+FFFD, one per invalid byte (encoding/json's rule).
package jsonx

import (
	"bytes"
	stdjson "encoding/json"
	"sync"

	json "github.com/goccy/go-json"
)

// RawMessage is a raw encoded JSON value.
type RawMessage = json.RawMessage

// UnmarshalTypeError describes a JSON value that Unmarshal could not store
// in the Go type given.
type UnmarshalTypeError = json.UnmarshalTypeError

// Marshal encodes v the way JSON.stringify would write the same value.
func Marshal(v any) ([]byte, error) {
	b, err := AppendLine(nil, v)
	if err != nil {
		return nil, err
	}
	return b[:len(b)-1], nil
}

// fix rewrites b where JSON.stringify's text differs (see stringify.go).
func fix(b []byte) []byte {
	if !needsFix(b) {
		return b
	}
	if out, ok := canonical(b); ok {
		return out
	}
	return unescapeLineSeparators(b)
}

// lineEncoder is a pooled encoding/json Encoder that appends to a slice.
//
// The encoder is the standard library's, not goccy/go-json's (which the
// package uses to decode): go-json's Encoder reads the variable os.Stdout
// on every Encode (for a debug option), a data race with any program that
// reassigns os.Stdout, as the testing package does around every Example;
// its Marshal functions read no global but allocate a new slice per value,
// garbage that let the heap of a channel with its write queue full grow
// ~25 MiB past what the queue holds. encoding/json's Encoder reads no
// global and encodes into a pooled buffer.
type lineEncoder struct {
	w   appendWriter
	enc *stdjson.Encoder
}

type appendWriter struct{ b []byte }

func (w *appendWriter) Write(p []byte) (int, error) {
	w.b = append(w.b, p...)
	return len(p), nil
}

// encoders is a cache of lineEncoders, safe for concurrent use.
var encoders = sync.Pool{New: func() any {
	e := &lineEncoder{}
	e.enc = stdjson.NewEncoder(&e.w)
	e.enc.SetEscapeHTML(false)
	return e
}}

// AppendLine appends to dst the encoding of v, exactly as Marshal writes it,
// followed by a newline. On error dst is returned unchanged.
func AppendLine(dst []byte, v any) ([]byte, error) {
	n0 := len(dst)
	out, err := encodeTo(dst, v)
	if err != nil {
		if !isNonFinite(err) {
			return dst, err
		}
		b, err := encodeNonFinite(nil, v)
		if err != nil {
			return dst, err
		}
		dst = append(dst, fix(b)...)
		return append(dst, '\n'), nil
	}
	body := out[n0 : len(out)-1]
	if !needsFix(body) {
		return out, nil
	}
	fixed := fix(body) // in place (shorter) or a new slice
	return append(append(out[:n0], fixed...), '\n'), nil
}

// encodeTo appends encoding/json's text of v (no HTML escaping) and a
// newline to dst; on error dst is returned unchanged.
func encodeTo(dst []byte, v any) ([]byte, error) {
	e := encoders.Get().(*lineEncoder)
	e.w.b = dst
	err := e.enc.Encode(v) // writes only on success, text and "\n"
	out := e.w.b
	e.w.b = nil
	encoders.Put(e)
	if err != nil {
		return dst, err
	}
	return out, nil
}

// encode is encodeTo into a new slice, without the newline: the walk of a
// value with NaN or ±Inf (nonfinite.go) writes its other parts with the
// same encoder as the rest.
func encode(v any) ([]byte, error) {
	b, err := encodeTo(nil, v)
	if err != nil {
		return nil, err
	}
	return b[:len(b)-1], nil
}

// Unmarshal decodes data into v.
func Unmarshal(data []byte, v any) error {
	return json.Unmarshal(data, v)
}

// Valid reports whether data is one valid JSON value (leading and trailing
// JSON whitespace allowed, as JSON.parse allows it).
func Valid(data []byte) bool {
	return json.Valid(data)
}

// unescapeLineSeparators rewrites the escapes \u2028 and \u2029 to the raw
// UTF-8 characters, as JSON.stringify emits them. A backslash is only ever
// written by the encoder inside a string, as the first byte of an escape, so
// scanning escape by escape cannot mistake an escaped backslash followed by
// "u2028" for the escape itself.
func unescapeLineSeparators(b []byte) []byte {
	if !bytes.Contains(b, []byte(`\u202`)) {
		return b
	}
	out := b[:0]
	for i := 0; i < len(b); {
		c := b[i]
		if c != '\\' || i+1 >= len(b) {
			out = append(out, c)
			i++
			continue
		}
		if b[i+1] == 'u' && i+6 <= len(b) && b[i+2] == '2' && b[i+3] == '0' && b[i+4] == '2' && (b[i+5] == '8' || b[i+5] == '9') {
			// In-place is safe: the output (3 bytes) is shorter than the escape (6).
			out = append(out, 0xE2, 0x80, 0xA8+(b[i+5]-'8'))
			i += 6
			continue
		}
		out = append(out, c, b[i+1])
		i += 2
	}
	return out
}

// Compact appends to dst the JSON-encoded src with insignificant space
// removed.
func Compact(dst *bytes.Buffer, src []byte) error {
	return json.Compact(dst, src)
}
