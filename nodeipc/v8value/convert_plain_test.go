package v8value

import (
	"errors"
	"math/big"
	"reflect"
	"testing"
	"time"
)

func TestUnmarshalPlainTypes(t *testing.T) {
	date := time.Date(2026, 12, 4, 10, 0, 0, 0, time.UTC)
	inner := &Object{Props: []Property{{Key: "k", Value: UTF16String{0x48, 0x69}}}}
	src := NewArray(
		int(3), Double(0.5), true, nil, Undefined{}, "s",
		&Boxed{Value: Double(2)}, NewDate(date), &Date{Ms: 1e300}, big.NewInt(5),
		&Object{Props: []Property{{Key: "a", Value: int(1)}, {Key: "u", Value: Undefined{}}, {Key: "o", Value: inner}}},
		&Array{Length: 3, Elements: []any{int(1), Hole{}, int(3)}},
		&Array{Length: 4, Sparse: true, Props: []Property{{Key: "1", Value: "x"}, {Key: "name", Value: "dropped"}}},
		&Map{Entries: []MapEntry{{Key: "m", Value: int(1)}}},
	)
	b, err := Marshal(src)
	if err != nil {
		t.Fatal(err)
	}
	var got any
	if err := Unmarshal(b, &got); err != nil {
		t.Fatal(err)
	}
	arr := got.([]any)
	want := []any{
		3.0, 0.5, true, nil, nil, "s", 2.0, date, nil, big.NewInt(5),
		map[string]any{"a": 1.0, "o": map[string]any{"k": "Hi"}},
		[]any{1.0, nil, 3.0},
		[]any{nil, "x"},
	}
	for i, w := range want {
		if !reflect.DeepEqual(arr[i], w) {
			t.Errorf("element %d = %#v, want %#v", i, arr[i], w)
		}
	}
	if m, ok := arr[13].(*Map); !ok || len(m.Entries) != 1 {
		t.Errorf("a Map = %#v, want the *Map of Decode", arr[13])
	}
}

func TestUnmarshalPlainCycleAndSparse(t *testing.T) {
	o := &Object{}
	o.Props = []Property{{Key: "self", Value: o}}
	b, err := Marshal(o)
	if err != nil {
		t.Fatal(err)
	}
	var got map[string]any
	if err := Unmarshal(b, &got); err != nil {
		t.Fatal(err)
	}
	if reflect.ValueOf(got["self"]).Pointer() != reflect.ValueOf(got).Pointer() {
		t.Errorf("a cycle is not kept: %v", got)
	}

	sparse := &Array{Length: 1 << 31, Sparse: true, Props: []Property{{Key: "2147483646", Value: int(1)}}}
	if b, err = Marshal(sparse); err != nil {
		t.Fatal(err)
	}
	var v any
	err = Unmarshal(b, &v)
	var se *SparseArrayError
	if !errors.As(err, &se) {
		t.Errorf("Unmarshal of a sparse array of length 2^31 into any = %v, want a *SparseArrayError", err)
	}
	var keep *Array
	if err := Unmarshal(b, &keep); err != nil || keep.Length != 1<<31 {
		t.Errorf("into *Array: %v, %v", keep, err)
	}
}

// FuzzUnmarshalPlain: converting any payload into the encoding/json types
// never panics, and whatever converts is made of those types and the few
// kept for values JSON cannot carry.
func FuzzUnmarshalPlain(f *testing.F) {
	addGoldenSeeds(f)
	f.Fuzz(func(t *testing.T, data []byte) {
		var v any
		if Unmarshal(data, &v) != nil {
			return
		}
		var s []any
		_ = Unmarshal(data, &s)
		var m map[string]any
		_ = Unmarshal(data, &m)
		checkPlain(t, v, 0)
	})
}

func checkPlain(t *testing.T, v any, depth int) {
	if depth > 64 {
		return // a cycle
	}
	switch x := v.(type) {
	case nil, bool, float64, string, time.Time, *big.Int, *Map, *Set, *RegExp, *ArrayBuffer, *TypedArray, *Error:
	case []any:
		for _, e := range x {
			checkPlain(t, e, depth+1)
		}
	case map[string]any:
		for _, e := range x {
			checkPlain(t, e, depth+1)
		}
	default:
		t.Fatalf("Unmarshal into any gave a %T", v)
	}
}

// BenchmarkUnmarshalAny: a typical message (a jest-worker call with an
// object argument) into any, which builds encoding/json's types, against
// Decode's exact representation.
func BenchmarkUnmarshalAny(b *testing.B) {
	arg := &Object{Props: []Property{{Key: "id", Value: int(42)}, {Key: "name", Value: "job"},
		{Key: "tags", Value: NewArray("a", "b", "c")}, {Key: "weight", Value: Double(0.5)}}}
	data, err := Marshal(NewArray(int(1), false, "add", NewArray(arg, int(3))))
	if err != nil {
		b.Fatal(err)
	}
	b.Run("Decode", func(b *testing.B) {
		b.ReportAllocs()
		for b.Loop() {
			if _, err := Decode(data); err != nil {
				b.Fatal(err)
			}
		}
	})
	b.Run("UnmarshalAny", func(b *testing.B) {
		b.ReportAllocs()
		for b.Loop() {
			var v any
			if err := Unmarshal(data, &v); err != nil {
				b.Fatal(err)
			}
		}
	})
}
