package v8value

import (
	"errors"
	"runtime"
	"testing"
)

// sparsePayload is what Node 20 writes for {items: a} after
// `const a = []; a[index] = 1`.
func sparsePayload(index uint32) []byte {
	b := []byte{0xFF, 0x0F, 'o', '"', 5}
	b = append(b, "items"...)
	b = append(b, 'a')
	b = appendVarint(b, uint64(index)+1)
	b = append(b, 'U')
	b = appendVarint(b, uint64(index))
	b = append(b, 'I', 2, '@', 1)
	b = appendVarint(b, uint64(index)+1)
	return append(b, '{', 1)
}

// allocated runs f and returns the bytes it allocated.
func allocated(f func()) uint64 {
	var a, b runtime.MemStats
	runtime.GC()
	runtime.ReadMemStats(&a)
	f()
	runtime.ReadMemStats(&b)
	return b.TotalAlloc - a.TotalAlloc
}

// TestSparseArrayNotExpanded: a 36-byte sparse array with a huge index is
// refused with a typed error when the target is a slice (it used to
// allocate a 64 GiB block), kept sparse for a map, a *Array or an
// interface, and cut at the length of a Go array.
func TestSparseArrayNotExpanded(t *testing.T) {
	for _, idx := range []uint32{4294967294, 10_000_000, 1 << 17} {
		p := sparsePayload(idx)
		var s struct{ Items []int }
		var err error
		n := allocated(func() { err = Unmarshal(p, &s) })
		var se *SparseArrayError
		if !errors.As(err, &se) || !errors.Is(err, ErrSparseArray) {
			t.Fatalf("index %d into []int: %v, want *SparseArrayError", idx, err)
		}
		if se.Path != ".items" || se.Present != 1 || se.Extent != clampInt(uint64(idx)+1) || se.Limit != DefaultMaxSparseLength {
			t.Errorf("index %d: error fields %+v", idx, se)
		}
		if n > 64<<10 {
			t.Errorf("index %d: refusing cost %d bytes", idx, n)
		}
		var m struct{ Items map[uint32]int }
		if err := Unmarshal(p, &m); err != nil || len(m.Items) != 1 || m.Items[idx] != 1 {
			t.Errorf("index %d into a map: %v %v", idx, m.Items, err)
		}
		var a struct{ Items *Array }
		if err := Unmarshal(p, &a); err != nil || !a.Items.Sparse || a.Items.Length != idx+1 {
			t.Errorf("index %d into *Array: %+v %v", idx, a.Items, err)
		}
		var fixed struct{ Items [4]int }
		if err := Unmarshal(p, &fixed); err != nil || fixed.Items != [4]int{} {
			t.Errorf("index %d into [4]int: %v %v", idx, fixed.Items, err)
		}
	}
	// Within the limit (or dense enough) the slice is built.
	d := Decoder{MaxSparseLength: 10}
	var s struct{ Items []int }
	if err := d.Unmarshal(sparsePayload(9), &s); err != nil || len(s.Items) != 10 || s.Items[9] != 1 {
		t.Errorf("index 9, limit 10: %v %v", s.Items, err)
	}
	if err := d.Unmarshal(sparsePayload(10), &s); !errors.Is(err, ErrSparseArray) {
		t.Errorf("index 10, limit 10: %v", err)
	}
	var fixed [12]int
	if err := Unmarshal(sparsePayload(11)[7:], &fixed); err == nil {
		t.Errorf("a payload without header decoded")
	}
}

// TestUnmarshalPathOnlyOnError: converting a large array builds no path
// strings; an error still names the element.
func TestUnmarshalPathOnlyOnError(t *testing.T) {
	elems := make([]any, 100_000)
	for i := range elems {
		elems[i] = i
	}
	p, err := Marshal(NewArray(elems...))
	if err != nil {
		t.Fatal(err)
	}
	var out []int
	if err := Unmarshal(p, &out); err != nil {
		t.Fatal(err)
	}
	d := allocated(func() { _ = Unmarshal(p, &out) })
	// Decode's tree (~40 B per element) plus the []int; a path string per
	// element would add ~24 B each.
	if per := float64(d) / float64(len(elems)); per > 64 {
		t.Errorf("Unmarshal of %d ints allocated %.1f B per element", len(elems), per)
	}
	elems[77_777] = "x"
	p, _ = Marshal(NewArray(elems...))
	var ute *UnmarshalTypeError
	if err := Unmarshal(p, &out); !errors.As(err, &ute) || ute.Path != "[77777]" {
		t.Errorf("error %v, want path [77777]", err)
	}
	type inner struct{ B []int }
	var nested struct{ A map[string]inner }
	p, _ = Marshal(map[string]any{"A": map[string]any{"k": map[string]any{"B": []any{1, "no"}}}})
	if err := Unmarshal(p, &nested); !errors.As(err, &ute) || ute.Path != ".A.k.B[1]" {
		t.Errorf("nested error %v, want path .A.k.B[1]", err)
	}
}

// TestDeclaredLengthsNotTrusted: nested dense-array headers that each
// announce the whole remaining input reserve nothing up front (they used
// to reserve 16 bytes per announced element: ~4.8 GB for this 304 KB
// frame).
func TestDeclaredLengthsNotTrusted(t *testing.T) {
	p := []byte{0xFF, 0x0F}
	for i := 0; i < 999; i++ {
		p = append(p, 'A')
		p = appendVarint(p, 300_000)
	}
	for len(p) < 304_000 {
		p = append(p, '_')
	}
	var err error
	n := allocated(func() { _, err = Decode(p) })
	if err == nil {
		t.Fatal("decoded a truncated payload")
	}
	if n > 100*uint64(len(p)) {
		t.Errorf("decoding a %d-byte payload allocated %d bytes", len(p), n)
	}
}

// TestNodeRejects: inputs every supported Node version's deserializer
// refuses are refused here too (see the differential test in package
// nodeipc for the live check).
func TestNodeRejects(t *testing.T) {
	for name, h := range map[string]string{
		"version 17":          "ff114902",
		"duplicate key":       "ff0f6f220161490222016149047b02",
		"number and string":   "ff0f6f4902490222013149047b02",
		"duplicate in sparse": "ff0f61024900490249004904400202",
		"host wraps number":   "ff0f5c014902",
		"host wraps string":   "ff0f5c01220161",
		"host wraps null":     "ff0f5c0130",
	} {
		if _, err := Decode(mustHex(t, h)); err == nil {
			t.Errorf("%s (%s): accepted", name, h)
		}
		if err := Validate(mustHex(t, h)); err == nil {
			t.Errorf("%s (%s): Validate accepted", name, h)
		}
	}
	for _, h := range []string{"ff0f5c016f7b00", "ff0f5c014100240000"} {
		if _, err := Decode(mustHex(t, h)); err != nil {
			t.Errorf("host object around an object (%s): %v", h, err)
		}
	}
}
