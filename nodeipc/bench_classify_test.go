//go:build darwin || freebsd || linux || netbsd || openbsd

package nodeipc

import (
	"bytes"
	"testing"

	"github.com/nodeipc/nodeipc-go/nodeipc/v8value"
)

// Benchmarks of frame classification: what the read goroutine does with
// every received frame before it is queued.

func benchParse(b *testing.B, cd codec, p []byte) {
	b.ReportAllocs()
	b.SetBytes(int64(len(p)))
	for b.Loop() {
		if _, err := cd.parse(p); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkAdvancedParseSmall(b *testing.B) {
	p, err := v8value.Marshal(map[string]any{"seq": 12345, "p": "xxxxxxxxxxxxxxxx"})
	if err != nil {
		b.Fatal(err)
	}
	benchParse(b, &advancedCodec{}, p)
}

// BenchmarkAdvancedParseObjects: 64 KiB of small objects.
func BenchmarkAdvancedParseObjects(b *testing.B) {
	elems := make([]any, 2048)
	for i := range elems {
		elems[i] = map[string]any{"id": i, "name": "item", "ok": true}
	}
	p, err := v8value.Marshal(elems)
	if err != nil {
		b.Fatal(err)
	}
	benchParse(b, &advancedCodec{}, p)
}

func BenchmarkAdvancedParseInternal(b *testing.B) {
	p, err := v8value.Marshal(map[string]any{"cmd": "NODE_HANDLE", "type": "net.Socket", "msg": map[string]any{"seq": 1}, "key": "4:127.0.0.1:1"})
	if err != nil {
		b.Fatal(err)
	}
	benchParse(b, &advancedCodec{}, p)
}

// BenchmarkJSONParseInternalLarge: a 1 MB line that looks internal.
func BenchmarkJSONParseInternalLarge(b *testing.B) {
	var buf bytes.Buffer
	buf.WriteString(`{"cmd":"NODE_X","v":[`)
	for buf.Len() < 1<<20 {
		buf.WriteString(`{"a":1,"b":"xy"},`)
	}
	buf.WriteString(`0]}`)
	benchParse(b, jsonCodec{}, buf.Bytes())
}
