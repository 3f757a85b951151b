package v8value

import (
	"bytes"
	"encoding/hex"
	"errors"
	"os/exec"
	"strings"
	"testing"

	"github.com/nodeipc/nodeipc-go/internal/nodetest"
)

// arrayBufferTagVectors are hand-built payloads for the ArrayBuffer tags
// as V8's value-serializer.cc reads them: B (byte length, bytes), C (an
// immutable buffer, laid out like B), ~ (byte length, maximum, bytes),
// with lengths of 32 bits up to format 15 and 64 bits (size_t) from 16 on.
// reason "" means the payload is accepted.
var arrayBufferTagVectors = []struct {
	name   string
	hex    string
	reason string
}{
	{"v15 immutable", "ff0f4303070809", ""},
	{"v16 immutable", "ff104303070809", ""},
	{"v13 immutable", "ff0d4300", ""},
	{"immutable shared by reference", "ff0f6f22016143030102032201625e017b02", ""},
	{"immutable in a dense array", "ff0f41024301aa4300240002", ""},
	{"v16 immutable length over 32 bits", "ff10438080808020", "length exceeds remaining data"},
	{"v15 immutable length over 32 bits", "ff0f438080808020", "length exceeds 32 bits"},
	{"immutable cut short", "ff0f430307", "length exceeds remaining data"},
	{"immutable followed by a view", "ff0f4302070856", "tag V"},
	{"v15 resizable", "ff0f7e010409", ""},
	{"v15 resizable maximum over 32 bits", "ff0f7e01808080802009", "length exceeds 32 bits"},
	{"v16 resizable maximum over 32 bits", "ff107e01808080802009", ""},
	{"v16 resizable maximum over 64 bits", "ff107e0180808080808080808080010009", "varint"},
}

// TestArrayBufferTags: the vectors above, through Decode, Validate and
// Scan, and the decoded immutable buffers re-encode to the same bytes
// under the format-15 header.
func TestArrayBufferTags(t *testing.T) {
	for _, c := range arrayBufferTagVectors {
		p := mustHex(t, c.hex)
		v, err := Decode(p)
		verr := Validate(p)
		var d Decoder
		_, serr := d.Scan(p)
		if c.reason != "" {
			for _, e := range []error{err, verr, serr} {
				var se *SyntaxError
				if !errors.As(e, &se) || !strings.Contains(se.Reason, c.reason) {
					t.Errorf("%s: %v, want %q", c.name, e, c.reason)
				}
			}
			continue
		}
		if err != nil || verr != nil || serr != nil {
			t.Errorf("%s: Decode %v, Validate %v, Scan %v", c.name, err, verr, serr)
			continue
		}
		if !strings.Contains(c.name, "immutable") {
			continue
		}
		out, err := Marshal(v)
		if err != nil || !bytes.Equal(out[2:], p[2:]) || out[1] != Version {
			t.Errorf("%s: re-encoded %x, %v", c.name, out, err)
		}
	}
	v, _ := Decode(mustHex(t, "ff0f6f22016143030102032201625e017b02"))
	o := v.(*Object)
	a, b := o.Props[0].Value.(*ArrayBuffer), o.Props[1].Value.(*ArrayBuffer)
	if a != b || !a.Immutable || a.Resizable || !bytes.Equal(a.Bytes, []byte{1, 2, 3}) {
		t.Errorf("decoded %+v and %+v, want one immutable buffer 010203", a, b)
	}
	if s := Format(a); !strings.Contains(s, "ArrayBuffer(3, immutable)") {
		t.Errorf("Format = %q", s)
	}
	var uv *UnsupportedValueError
	if _, err := Marshal(&ArrayBuffer{Resizable: true, Immutable: true, MaxByteLength: 4}); !errors.As(err, &uv) {
		t.Errorf("Marshal of a resizable immutable buffer: %v, want *UnsupportedValueError", err)
	}
}

// TestImmutableArrayBufferNode: against the pinned Node binaries. Node 26
// started with --js-immutable-arraybuffer writes an immutable buffer as
// tag C (under format 15); Decode reads it and Marshal writes the same
// bytes, which Node 26 reads back as an immutable buffer. Node 18 to 24
// do not know tag C and refuse it.
func TestImmutableArrayBufferNode(t *testing.T) {
	const write = `const v8 = require('v8');
const ab = new ArrayBuffer(3); new Uint8Array(ab).set([1, 2, 3]);
const im = ab.transferToImmutable();
process.stdout.write(v8.serialize({a: im, b: im}).toString('hex'));`
	const read = `const v8 = require('v8');
try {
  const o = v8.deserialize(Buffer.from(process.argv[1], 'hex'));
  process.stdout.write(JSON.stringify({immutable: o.a.immutable === true, same: o.a === o.b,
    bytes: Buffer.from(o.a).toString('hex')}));
} catch (e) { process.stdout.write('refused: ' + e.message); }`
	im := &ArrayBuffer{Bytes: []byte{1, 2, 3}, Immutable: true}
	ours, err := Marshal(&Object{Props: []Property{{Key: "a", Value: im}, {Key: "b", Value: im}}})
	if err != nil {
		t.Fatal(err)
	}
	for _, node := range nodetest.Binaries(t) {
		t.Run(node.Name, func(t *testing.T) {
			args := []string{}
			if node.Major() >= 26 {
				args = append(args, "--js-immutable-arraybuffer")
			}
			out, err := exec.Command(node.Path, append(args, "-e", read, hex.EncodeToString(ours))...).Output()
			if err != nil {
				t.Fatalf("node: %v", err)
			}
			if node.Major() < 26 {
				if !strings.HasPrefix(string(out), "refused: ") {
					t.Errorf("Node %s read tag C: %s", node.Version, out)
				}
				return
			}
			if want := `{"immutable":true,"same":true,"bytes":"010203"}`; string(out) != want {
				t.Errorf("Node read our %x as %s, want %s", ours, out, want)
			}
			out, err = exec.Command(node.Path, append(args, "-e", write)...).Output()
			if err != nil {
				t.Fatalf("node: %v", err)
			}
			theirs := mustHex(t, string(out))
			if !bytes.Equal(theirs, ours) {
				t.Errorf("Node wrote %x, Marshal %x", theirs, ours)
			}
			v, err := Decode(theirs)
			if err != nil {
				t.Fatal(err)
			}
			if ab, ok := v.(*Object).Props[0].Value.(*ArrayBuffer); !ok || !ab.Immutable {
				t.Errorf("decoded %s", Format(v))
			}
		})
	}
}

func addArrayBufferTagSeeds(f *testing.F) {
	for _, c := range arrayBufferTagVectors {
		f.Add(mustHex(f, c.hex))
	}
}
