package v8value

import (
	"bytes"
	"encoding/hex"
	"errors"
	"math"
	"math/big"
	"testing"
	"time"
	"unsafe"
)

type goInner struct {
	X int `json:"qx"`
}

type goTagged struct {
	ID      int     `v8:"id" json:"ignored"`
	Name    string  `json:"name"`
	Other   string  `json:"renamed"`
	Skip    string  `json:"-"`
	Empty   string  `json:"empty,omitempty"`
	Inner   goInner `json:"inner"`
	private int
}

type goSmall struct {
	Seq int    `json:"seq"`
	P   string `json:"p"`
}

// goValues are Go values whose encoding must equal what Node writes for the
// equivalent JavaScript value (the go_* cases of v8-golden.js).
func goValues() map[string]any {
	shared := &struct {
		V int `json:"v"`
	}{1}
	two70 := new(big.Int).Lsh(big.NewInt(1), 70)
	return map[string]any{
		"go_map":         map[string]any{"a": 1, "b": "x", "c": true, "d": nil, "e": []int{1, 2, 3}, "f": map[string]float64{"g": 1.5}},
		"go_struct":      goSmall{Seq: 1, P: "16 bytes payload."},
		"go_struct_tags": &goTagged{ID: 7, Name: "n", Other: "r", Skip: "s", Inner: goInner{X: 5}, private: 9},
		"go_buffer":      []byte("hello"),
		"go_date":        time.UnixMilli(1700000000123),
		"go_bigint":      map[string]*big.Int{"n": two70, "m": big.NewInt(-5)},
		"go_intkeys":     map[string]any{"x": "y", "10": "b", "1": "a", "2": "c"},
		"go_unicode":     map[string]string{"s": "Ωé😀", "t": "é", "u": "plain"},
		"go_numbers": map[string]any{"a": 0, "b": int8(-1), "c": int32(math.MaxInt32), "d": uint32(1 << 31), "e": int64(-(1 << 31) - 1),
			"f": float32(1.5), "g": math.Copysign(0, -1), "h": uint64(1 << 53)},
		"go_strings": [5]string{"x", "Ω", "yy", "é", ""},
		"go_nil_slice": struct {
			S []int          `json:"s"`
			M map[string]int `json:"m"`
			P *int           `json:"p"`
		}{},
		"go_shared_ptr":    map[string]any{"a": shared, "b": shared},
		"go_nested_slices": [][]any{{1, 2}, {}, {"a"}},
	}
}

func TestMarshalGoValues(t *testing.T) {
	golden := loadGolden(t)
	n := 0
	for name, v := range goValues() {
		got, err := Marshal(v)
		if err != nil {
			t.Fatalf("%s: %v", name, err)
		}
		for file, g := range golden {
			for _, c := range g.Cases {
				if c.Name == name {
					n++
					if !bytes.Equal(got, reencoded(mustHex(t, c.Hex))) {
						t.Errorf("%s (%s):\n got %x\nwant %s", name, file, got, c.Hex)
					}
				}
			}
		}
	}
	if n == 0 {
		t.Fatal("no go_* vectors found")
	}
	t.Logf("%d Go-value encodings compared", n)
}

func TestMarshalErrors(t *testing.T) {
	for _, v := range []any{func() {}, make(chan int), unsafe.Pointer(nil), complex(1, 2), map[float64]int{1: 1}, Hole{}} {
		_, err := Marshal(v)
		var ut *UnsupportedTypeError
		var uv *UnsupportedValueError
		if !errors.As(err, &ut) && !errors.As(err, &uv) {
			t.Errorf("Marshal(%T) = %v, want a typed error", v, err)
		}
	}
	type cyc struct{ Next []any }
	c := &cyc{}
	c.Next = []any{c}
	if _, err := Marshal(c); err != nil {
		t.Errorf("cyclic pointer graph: %v", err)
	}
	s := []any{nil}
	s[0] = s
	if _, err := Marshal(s); !errors.Is(err, ErrMaxDepth) {
		t.Errorf("cyclic slice: %v, want ErrMaxDepth", err)
	}
	if CheckTopLevel(Undefined{}) != ErrMissingArgs || CheckTopLevel(big.NewInt(1)) != ErrInvalidArgType || CheckTopLevel(map[string]any{}) != nil {
		t.Error("CheckTopLevel")
	}
}

func TestDecodeErrors(t *testing.T) {
	cases := map[string]error{
		"":                   ErrBadVersion,
		"ff0c49 02":          ErrBadVersion,
		"ff11":               ErrBadVersion,
		"ff0f":               ErrTruncated,
		"ff0f22ffffffff0f":   ErrBadLength,
		"ff0f41ffffff7f":     ErrBadLength,
		"ff0f6f7b01":         ErrBadLength,
		"ff0f5e00":           ErrBadReference,
		"ff0f5a01":           ErrBadValue,
		"ff0f5c02":           ErrBadValue,
		"ff0f5c000e00":       ErrBadValue,
		"ff0f2d":             ErrBadTag,
		"ff0f4902 49 02":     ErrTrailingData,
		"ff0f72635e002e":     ErrBadReference,
		"ff0f52220161ff7f":   ErrBadValue,
		"ff0f6f6f7b007b01":   ErrBadValue,
		"ff0f3b49023a02":     ErrBadTag,
		"ff0f3b490249023a04": ErrBadLength,
	}
	for h, want := range cases {
		b, _ := hex.DecodeString(stripSpaces(h))
		_, err := Decode(b)
		if !errors.Is(err, want) {
			t.Errorf("Decode(%s) = %v, want %v", h, err, want)
		}
		var se *SyntaxError
		if err != nil && !errors.As(err, &se) {
			t.Errorf("Decode(%s): %T is not a *SyntaxError", h, err)
		}
	}
	deep := []byte{0xFF, 0x0F}
	for i := 0; i < 2000; i++ {
		deep = append(deep, 'A', 1)
	}
	if _, err := Decode(deep); !errors.Is(err, ErrMaxDepth) {
		t.Errorf("deep: %v", err)
	}
	d := Decoder{MaxDepth: 3}
	if _, err := d.Decode([]byte{0xFF, 0x0F, 'o', 'o', 'o', 'o'}); !errors.Is(err, ErrMaxDepth) {
		t.Errorf("MaxDepth 3: %v", err)
	}
	// accepted: versions 13/14, padding, ?, U, S, number keys, reversed error order
	for _, h := range []string{"ff0d4902", "ff0e4902", "ff0f00004902", "ff0f3f034902", "ff0f5502", "ff0f530268c3",
		"ff0f6f4e000000000000f83f49027b01", "ff0f72634902732201532e", "ff0f5a040101"} {
		b, _ := hex.DecodeString(h)
		if _, err := Decode(b); err != nil && h != "ff0f530268c3" {
			t.Errorf("Decode(%s): %v", h, err)
		}
	}
	v, _ := Decode(mustHex(t, "ff0f6f4e000000000000f83f49027b01"))
	if k := v.(*Object).Props[0].Key; k != "1.5" {
		t.Errorf("number key = %q", k)
	}
	v, _ = Decode(mustHex(t, "ff0f5a040101"))
	if v.(*big.Int).Int64() != 257 {
		t.Errorf("short BigInt = %v", v)
	}
}

func stripSpaces(s string) string {
	out := []byte{}
	for i := 0; i < len(s); i++ {
		if s[i] != ' ' {
			out = append(out, s[i])
		}
	}
	return string(out)
}

func TestFormatNumber(t *testing.T) {
	for f, want := range map[float64]string{1.5: "1.5", 1e21: "1e+21", 1e-7: "1e-7", 5e-324: "5e-324", 123456789012: "123456789012",
		0.000001: "0.000001", -2.5e-10: "-2.5e-10", math.MaxFloat64: "1.7976931348623157e+308", 1e20: "100000000000000000000"} {
		if got := formatNumber(f); got != want {
			t.Errorf("formatNumber(%v) = %s, want %s", f, got, want)
		}
	}
}

func TestUnmarshal(t *testing.T) {
	type In struct {
		X int `json:"x"`
	}
	type S struct {
		Seq  int `v8:"seq"`
		P    string
		In   *In `json:"inner"`
		M    map[int]string
		B    []byte
		L    [2]float32
		T    time.Time
		N    *big.Int
		Any  any
		Self *S `json:"self"`
	}
	o := &Object{}
	o.Props = []Property{{Key: "seq", Value: 3}, {Key: "p", Value: "é"}, {Key: "inner", Value: &Object{Props: []Property{{Key: "x", Value: Double(-1)}}}},
		{Key: "M", Value: &Object{Props: []Property{{Key: "1", Value: "a"}}}}, {Key: "B", Value: &TypedArray{Type: Buffer, Bytes: []byte("hi")}},
		{Key: "L", Value: NewArray(1, 2.5)}, {Key: "T", Value: &Date{Ms: 1000}}, {Key: "N", Value: big.NewInt(9)}, {Key: "Any", Value: NewArray("z")},
		{Key: "self", Value: o}}
	b, err := Marshal(o)
	if err != nil {
		t.Fatal(err)
	}
	var s S
	if err := Unmarshal(b, &s); err != nil {
		t.Fatal(err)
	}
	if s.Seq != 3 || s.P != "é" || s.In.X != -1 || s.M[1] != "a" || string(s.B) != "hi" || s.L[1] != 2.5 || !s.T.Equal(time.UnixMilli(1000)) ||
		s.N.Int64() != 9 || s.Self != &s && s.Self.Seq != 3 {
		t.Errorf("got %+v", s)
	}
	if s.Self.Self != s.Self {
		t.Error("cycle not preserved")
	}
	var u8 struct {
		Seq uint8 `json:"seq"`
	}
	b, _ = Marshal(map[string]any{"seq": 300})
	var ute *UnmarshalTypeError
	if err := Unmarshal(b, &u8); !errors.As(err, &ute) {
		t.Errorf("range check: %v", err)
	}
	b, _ = Marshal(1.5)
	var i int
	if err := Unmarshal(b, &i); !errors.As(err, &ute) {
		t.Errorf("integrality: %v", err)
	}
	if err := Unmarshal(b, i); err == nil {
		t.Error("non-pointer accepted")
	}
}
