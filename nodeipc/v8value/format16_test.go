package v8value

import (
	"bytes"
	"errors"
	"strings"
	"testing"
)

// TestFormat16Lengths: format 16 widens ArrayBuffer lengths (plain and
// resizable, and a resizable buffer's maximum) to 64-bit varints and
// nothing else: a string, array or host-object length over 32 bits is
// still refused as such, and in format 15 a buffer length over 32 bits is
// too.
func TestFormat16Lengths(t *testing.T) {
	big := appendVarint(nil, 1<<33)
	for _, c := range []struct {
		name    string
		payload []byte
		reason  string // "" = accepted
	}{
		{"v16 B", []byte{0xFF, 16, 'B', 2, 7, 8}, ""},
		{"v16 resizable", []byte{0xFF, 16, '~', 1, 4, 9}, ""},
		{"v16 resizable max over 32 bits", append(append([]byte{0xFF, 16, '~', 1}, big...), 9), ""},
		{"v16 B over 32 bits", append([]byte{0xFF, 16, 'B'}, big...), "length exceeds remaining data"},
		{"v15 B over 32 bits", append([]byte{0xFF, 15, 'B'}, big...), "length exceeds 32 bits"},
		{"v16 string over 32 bits", append([]byte{0xFF, 16, '"'}, big...), "length exceeds 32 bits"},
		{"v16 dense array over 32 bits", append([]byte{0xFF, 16, 'A'}, big...), "length exceeds 32 bits"},
		{"v16 host object over 32 bits", append([]byte{0xFF, 16, '\\', 0, 1}, big...), "length exceeds 32 bits"},
		{"v17", []byte{0xFF, 17, '0'}, "unsupported format version"},
	} {
		_, err := Decode(c.payload)
		verr := Validate(c.payload)
		if c.reason == "" {
			if err != nil || verr != nil {
				t.Errorf("%s: Decode %v, Validate %v", c.name, err, verr)
			}
			continue
		}
		for _, e := range []error{err, verr} {
			var se *SyntaxError
			if !errors.As(e, &se) || !strings.Contains(se.Reason, c.reason) {
				t.Errorf("%s: %v, want %q", c.name, e, c.reason)
			}
		}
	}
}

// TestFormat16Reencode: a value read from a format-16 payload re-encodes
// as format 15 with the same bytes after the header, except a resizable
// buffer whose maximum needs format 16, which Marshal refuses.
func TestFormat16Reencode(t *testing.T) {
	p := []byte{0xFF, 16, 'o', '"', 1, 'b', 'B', 2, 7, 8, '{', 1}
	v, err := Decode(p)
	if err != nil {
		t.Fatal(err)
	}
	out, err := Marshal(v)
	if err != nil || !bytes.Equal(out, append([]byte{0xFF, 15}, p[2:]...)) {
		t.Errorf("re-encoded %x, %v", out, err)
	}
	wide := append(append([]byte{0xFF, 16, '~', 1}, appendVarint(nil, 1<<33)...), 9)
	v, err = Decode(wide)
	if err != nil {
		t.Fatal(err)
	}
	if ab := v.(*ArrayBuffer); ab.MaxByteLength != 1<<33 || !ab.Resizable {
		t.Errorf("decoded %+v", ab)
	}
	var uv *UnsupportedValueError
	if _, err := Marshal(v); !errors.As(err, &uv) {
		t.Errorf("Marshal of a maximum over 32 bits: %v, want *UnsupportedValueError", err)
	}
}
