package v8value

import (
	"encoding/binary"
	"unicode/utf16"
	"unicode/utf8"
)

// stringBody reads the payload of a string tag.
func (r *reader) stringBody(tag byte) (any, error) {
	switch tag {
	case '"':
		n, err := r.length(1)
		if err != nil {
			return nil, err
		}
		return latin1ToString(r.raw(n)), nil
	case 'S':
		n, err := r.length(1)
		if err != nil {
			return nil, err
		}
		b := r.raw(n)
		if utf8.Valid(b) {
			return string(b), nil
		}
		return UTF16String(utf16.Encode([]rune(string(b)))), nil
	default: // 'c'
		n, err := r.length(1)
		if err != nil {
			return nil, err
		}
		if n&1 != 0 {
			return nil, r.fail(ErrBadLength, "odd two-byte string length")
		}
		return twoByteValue(r.raw(n)), nil
	}
}

// stringValue reads a value that must be a string (V8 ReadString).
func (r *reader) stringValue() (any, error) {
	tag, err := r.peekTag()
	if err != nil {
		return nil, err
	}
	if tag != '"' && tag != 'c' && tag != 'S' {
		return nil, r.fail(ErrBadValue, "expected a string")
	}
	r.pos++
	return r.stringBody(tag)
}

func latin1ToString(b []byte) string {
	ascii := true
	for _, c := range b {
		if c >= 0x80 {
			ascii = false
			break
		}
	}
	if ascii {
		return string(b)
	}
	out := make([]byte, 0, len(b)*2)
	for _, c := range b {
		out = utf8.AppendRune(out, rune(c))
	}
	return string(out)
}

// twoByteValue converts UTF-16LE bytes to a Go string when re-encoding that
// string reproduces a two-byte string, otherwise to a UTF16String.
func twoByteValue(b []byte) any {
	u := make([]uint16, len(b)/2)
	wide, lone := false, false
	for i := range u {
		u[i] = binary.LittleEndian.Uint16(b[2*i:])
	}
	for i := 0; i < len(u); i++ {
		c := u[i]
		if c > 0xFF {
			wide = true
		}
		if c >= 0xD800 && c < 0xDC00 {
			if i+1 < len(u) && u[i+1] >= 0xDC00 && u[i+1] < 0xE000 {
				i++
				continue
			}
			lone = true
		} else if c >= 0xDC00 && c < 0xE000 {
			lone = true
		}
	}
	if wide && !lone {
		return string(utf16.Decode(u))
	}
	return UTF16String(u)
}
