package v8value

import (
	"bytes"
	"errors"
	"strings"
	"testing"
)

func addGoldenSeeds(f *testing.F) {
	for _, g := range loadGolden(f) {
		for _, c := range g.Cases {
			f.Add(mustHex(f, c.Hex))
		}
	}
}

// FuzzDecode: no panic; a decoded value re-encodes (except a format-16
// resizable ArrayBuffer maximum over 32 bits, which Marshal's format 15
// cannot hold), the re-encoding decodes, and the second round is
// canonical.
func FuzzDecode(f *testing.F) {
	addGoldenSeeds(f)
	addArrayBufferTagSeeds(f)
	f.Fuzz(func(t *testing.T, data []byte) {
		v, err := Decode(data)
		if err != nil {
			return
		}
		b2, err := Marshal(v)
		var uv *UnsupportedValueError
		if errors.As(err, &uv) && data[1] >= 16 && strings.Contains(uv.Reason, "needs format 16") {
			return
		}
		if err != nil {
			t.Fatalf("Marshal(Decode(%x)): %v", data, err)
		}
		v2, err := Decode(b2)
		if err != nil {
			t.Fatalf("Decode(%x) (re-encoding of %x): %v", b2, data, err)
		}
		b3, err := Marshal(v2)
		if err != nil {
			t.Fatalf("second Marshal: %v", err)
		}
		if !bytes.Equal(b2, b3) {
			t.Fatalf("second round not canonical:\n%x\n%x\ninput %x", b2, b3, data)
		}
	})
}

// FuzzUnmarshalAny: Unmarshal into several targets never panics.
func FuzzUnmarshalAny(f *testing.F) {
	addGoldenSeeds(f)
	type T struct {
		A int            `json:"a"`
		S string         `json:"s"`
		L []any          `json:"l"`
		M map[string]any `json:"m"`
		P *T             `json:"self"`
		B []byte         `json:"b"`
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		var a any
		_ = Unmarshal(data, &a)
		var m map[string]any
		_ = Unmarshal(data, &m)
		var s T
		_ = Unmarshal(data, &s)
		var l []T
		_ = Unmarshal(data, &l)
		var mi map[int]*T
		_ = Unmarshal(data, &mi)
	})
}
