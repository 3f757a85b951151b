package v8value_test

import (
	"fmt"
	"math"
	"math/big"
	"strings"
	"testing"
	"time"

	"github.com/nodeipc/nodeipc-go/nodeipc/v8value"
)

func ExampleFormat() {
	// What a Node peer sends as
	// { when: new Date(0), tags: new Set(['a']), buf: Buffer.from('hi'), re: /x+/gi, n: 5n }
	obj := &v8value.Object{Props: []v8value.Property{
		{Key: "when", Value: &v8value.Date{Ms: 0}},
		{Key: "tags", Value: &v8value.Set{Values: []any{"a"}}},
		{Key: "buf", Value: &v8value.TypedArray{Type: v8value.Buffer, Bytes: []byte("hi")}},
		{Key: "re", Value: &v8value.RegExp{Source: "x+", Flags: v8value.FlagGlobal | v8value.FlagIgnoreCase}},
		{Key: "n", Value: big.NewInt(5)},
	}}
	fmt.Println(v8value.Format(obj))
	fmt.Println(&v8value.Date{Ms: 1.5e12}) // fmt uses the String methods
	// Output:
	// { when: 1970-01-01T00:00:00.000Z, tags: Set(1) { 'a' }, buf: <Buffer 68 69>, re: /x+/gi, n: 5n }
	// 2017-07-14T02:40:00.000Z
}

func TestFormat(t *testing.T) {
	cyclic := &v8value.Object{}
	cyclic.Props = []v8value.Property{{Key: "self", Value: cyclic}}
	sparse := &v8value.Array{Length: 5, Sparse: true, Props: []v8value.Property{{Key: "1", Value: 1}, {Key: "x", Value: true}}}
	for _, c := range []struct {
		v    any
		want string
	}{
		{nil, "null"},
		{v8value.Undefined{}, "undefined"},
		{v8value.Double(math.Copysign(0, -1)), "-0"},
		{v8value.Double(1e21), "1e+21"},
		{"it's\n", `'it\'s\n'`},
		{v8value.UTF16String{0xd800, 'a'}, `'\uD800a'`},
		{&v8value.Object{}, "{}"},
		{&v8value.Object{Props: []v8value.Property{{Key: "a-b", Value: 1}, {Key: "1", Value: "x"}}}, "{ 'a-b': 1, '1': 'x' }"},
		{v8value.NewArray(1, v8value.Hole{}, v8value.Hole{}, 2), "[ 1, <2 empty items>, 2 ]"},
		{sparse, "[ <1 empty item>, 1, <3 empty items>, x: true ]"},
		{&v8value.Array{}, "[]"},
		{&v8value.Map{Entries: []v8value.MapEntry{{Key: 1, Value: "a"}}}, "Map(1) { 1 => 'a' }"},
		{&v8value.Map{}, "Map(0) {}"},
		{&v8value.Date{Ms: math.NaN()}, "Invalid Date"},
		{&v8value.Boxed{Value: 3.0}, "[Number: 3]"},
		{&v8value.Boxed{Value: "s"}, "[String: 's']"},
		{&v8value.Error{Name: "RangeError", Message: "bad", HasMessage: true, Cause: 1, HasCause: true}, "[RangeError: bad] { [cause]: 1 }"},
		{&v8value.TypedArray{Type: v8value.Int16Array, Bytes: []byte{0xff, 0xff, 2, 0}}, "Int16Array(2) [ -1, 2 ]"},
		{&v8value.TypedArray{Type: v8value.Float16Array, Bytes: []byte{0x00, 0x3c}}, "Float16Array(1) [ 1 ]"},
		{&v8value.TypedArray{Type: v8value.Buffer}, "<Buffer >"},
		{&v8value.ArrayBuffer{Bytes: []byte{1}}, "ArrayBuffer(1) <01>"},
		{cyclic, "{ self: [Circular] }"},
		{v8value.NewDate(time.Date(12345, 1, 2, 3, 4, 5, 0, time.UTC)), "+012345-01-02T03:04:05.000Z"},
	} {
		if got := v8value.Format(c.v); got != c.want {
			t.Errorf("Format(%#v) = %s, want %s", c.v, got, c.want)
		}
	}
	long := v8value.NewArray()
	for i := range 10000 {
		long.Elements = append(long.Elements, "Ω"+fmt.Sprint(i))
	}
	long.Length = uint32(len(long.Elements))
	b, trunc := v8value.AppendFormat([]byte("x"), long, 20)
	if !trunc || string(b) != "x[ 'Ω0', 'Ω1', 'Ω2…" {
		t.Errorf("AppendFormat(max 20) = %q, %v", b, trunc)
	}
}

// BenchmarkAppendFormatCut: printing the first 256 bytes of a message with
// a 64 KiB string walks only what is printed.
func BenchmarkAppendFormatCut(b *testing.B) {
	v := &v8value.Object{Props: []v8value.Property{{Key: "p", Value: strings.Repeat("x", 65536)}}}
	buf := make([]byte, 0, 512)
	for b.Loop() {
		buf, _ = v8value.AppendFormat(buf[:0], v, 256)
	}
}
