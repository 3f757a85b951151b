package jsonx

import (
	"strings"
	"testing"
)

// Encoder benchmarks: allocs/op must stay 1 (the encoder's result, copied
// into dst) for values JSON.stringify writes as the encoder does (the common
// case); only values that need a rewrite (index-like keys, -0, NaN) pay more.

type benchEvent struct {
	ID    int               `json:"id"`
	Name  string            `json:"name"`
	Tags  []string          `json:"tags"`
	Attrs map[string]string `json:"attrs"`
	Score float64           `json:"score"`
	Note  string            `json:"note"`
}

func benchAppend(b *testing.B, v any) {
	var dst []byte
	b.ReportAllocs()
	for b.Loop() {
		var err error
		if dst, err = AppendLine(dst[:0], v); err != nil {
			b.Fatal(err)
		}
	}
	b.SetBytes(int64(len(dst)))
}

func BenchmarkAppendLineStruct(b *testing.B) {
	benchAppend(b, benchEvent{ID: 7, Name: "disk-usage", Tags: []string{"a", "b-0", "c"},
		Attrs: map[string]string{"host": "x1", "zone": "eu-1"}, Score: -0.25, Note: `say "hi"\n`})
}

func BenchmarkAppendLineMapAny(b *testing.B) {
	benchAppend(b, map[string]any{"cmd": "job", "args": []any{1, "two", 3.5, nil, true}, "opts": map[string]any{"retry": 3}})
}

func BenchmarkAppendLineIndexKeys(b *testing.B) {
	benchAppend(b, map[string]int{"0": 1, "10": 2, "9": 3, "x": 4})
}

func BenchmarkAppendLine64K(b *testing.B) {
	benchAppend(b, map[string]any{"seq": 1, "p": strings.Repeat("abcdefgh", 8192)})
}

func BenchmarkNeedsFix64K(b *testing.B) {
	line, _ := AppendLine(nil, map[string]any{"seq": 1, "p": strings.Repeat("abcdefgh", 8192)})
	b.SetBytes(int64(len(line)))
	for b.Loop() {
		if needsFix(line) {
			b.Fatal("needsFix")
		}
	}
}
