package v8value

import (
	"strings"
	"testing"
)

type benchSmall struct {
	Seq int    `json:"seq"`
	P   string `json:"p"`
}

func benchValues() map[string]any {
	return map[string]any{
		"SmallObject": &Object{Props: []Property{{Key: "seq", Value: 1}, {Key: "p", Value: "16 bytes payload."}}},
		"SmallStruct": benchSmall{Seq: 1, P: "16 bytes payload."},
		"String1KiB":  &Object{Props: []Property{{Key: "s", Value: strings.Repeat("x", 1024)}}},
		"Buffer64KiB": make([]byte, 64<<10),
		"Nested": map[string]any{"id": 42, "name": "test", "tags": []any{"a", "b"},
			"nested": map[string]any{"ok": true, "val": nil, "arr": []any{1, "two", map[string]any{"three": 3}}}},
	}
}

func BenchmarkMarshal(b *testing.B) {
	for name, v := range benchValues() {
		b.Run(name, func(b *testing.B) {
			b.ReportAllocs()
			buf := make([]byte, 0, 128<<10)
			for b.Loop() {
				var err error
				if buf, err = AppendMarshal(buf[:4], v); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}

func BenchmarkDecode(b *testing.B) {
	for name, v := range benchValues() {
		data, _ := Marshal(v)
		b.Run(name, func(b *testing.B) {
			b.ReportAllocs()
			for b.Loop() {
				if _, err := Decode(data); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}

func BenchmarkUnmarshal(b *testing.B) {
	data, _ := Marshal(benchSmall{Seq: 1, P: "16 bytes payload."})
	b.Run("SmallStruct", func(b *testing.B) {
		b.ReportAllocs()
		for b.Loop() {
			var s benchSmall
			if err := Unmarshal(data, &s); err != nil {
				b.Fatal(err)
			}
		}
	})
}
