package v8value

import (
	"bytes"
	"errors"
	"testing"
)

// FuzzScanAgrees: the scanner that classifies frames without decoding
// them agrees with the full decoder: same verdict on every input, the same
// top-level primitives, and extracted sub-payloads that decode to what the
// full decode holds at that key.
func FuzzScanAgrees(f *testing.F) {
	addGoldenSeeds(f)
	addArrayBufferTagSeeds(f)
	for _, h := range []string{
		"ff0f6f2203636d64220b4e4f44455f48414e444c452203736d73676f220161490222016261025e027b027b02",
		"ff0f6f2203636d642204784e4f4422036d73676f22017849027b01220178490a7b03",
		"ff0f6f22036d73675e007b01",
		"ff0f6f22036d736741025e015e01240002227b01",
		"ff0f5c016f7b00", "ff0f6f220161490222016149047b02", "ff0f720322016d",
	} {
		f.Add(mustHex(f, h))
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		v, derr := Decode(data)
		var d Decoder
		fs, serr := d.Scan(data, "cmd", "type", "msg", "count")
		if (derr == nil) != (serr == nil) {
			t.Fatalf("Decode: %v, Scan: %v (input %x)", derr, serr, data)
		}
		if derr != nil {
			return
		}
		o, isObj := v.(*Object)
		if fs.Object() != isObj {
			t.Fatalf("Object() = %v for %T (input %x)", fs.Object(), v, data)
		}
		if !isObj {
			return
		}
		for _, k := range []string{"cmd", "type", "msg", "count"} {
			want, has := o.Get(k)
			got, ok := fs.Value(k)
			if ok {
				if !has {
					t.Fatalf("Value(%q) found a missing key", k)
				}
				a, _ := Marshal(got)
				b, _ := Marshal(want)
				if !bytes.Equal(a, b) {
					t.Fatalf("Value(%q) = %#v, Decode has %#v (input %x)", k, got, want, data)
				}
			} else if has && isPrimitive(want) {
				t.Fatalf("Value(%q) missed primitive %#v (input %x)", k, want, data)
			}
			p, err := fs.Payload(k)
			if errors.Is(err, ErrExternalReference) {
				continue
			}
			if err != nil {
				t.Fatalf("Payload(%q): %v (input %x)", k, err, data)
			}
			if (p != nil) != has {
				t.Fatalf("Payload(%q) = %x, present %v", k, p, has)
			}
			if p == nil {
				continue
			}
			sub, err := Decode(p)
			if err != nil {
				t.Fatalf("Payload(%q) = %x does not decode: %v (input %x)", k, p, err, data)
			}
			a, errA := Marshal(sub)
			b, errB := Marshal(want)
			if (errA == nil) != (errB == nil) || !bytes.Equal(a, b) {
				t.Fatalf("Payload(%q) decodes to %x, Decode has %x (input %x)", k, a, b, data)
			}
		}
	})
}
