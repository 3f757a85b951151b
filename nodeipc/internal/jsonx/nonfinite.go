package jsonx

import (
	"encoding"
	stdjson "encoding/json"
	"errors"
	"fmt"
	"math"
	"reflect"
	"slices"
	"strconv"
	"strings"

	"github.com/nodeipc/nodeipc-go/nodeipc/internal/jsontag"
)

// The encoder refuses NaN and ±Inf (as encoding/json does); JSON.stringify
// writes null for them. When, and only when, the encoder refuses one,
// encodeNonFinite walks the value itself: every sub-value the encoder can
// write is handed back to it whole (so Marshalers, time.Time, []byte and
// every scalar come out exactly as the encoder writes them), and the walk
// descends only into what holds a non-finite float, writing null for it.
// Struct fields are resolved with encoding/json's rules (tags, "-",
// omitempty, omitzero, string, embedded structs).

// isNonFinite reports whether err is the encoder's refusal of NaN or ±Inf.
func isNonFinite(err error) bool {
	var uv *stdjson.UnsupportedValueError
	if !errors.As(err, &uv) {
		return false
	}
	switch uv.Str {
	case "NaN", "+Inf", "-Inf", "Inf":
		return true
	}
	return false
}

// maxWalkDepth bounds the walk (a cyclic value would otherwise recurse
// forever; the encoder reports cycles itself when it sees the whole value).
const maxWalkDepth = 10000

func encodeNonFinite(dst []byte, v any) ([]byte, error) {
	return walk(dst, reflect.ValueOf(v), 0)
}

func walk(dst []byte, rv reflect.Value, depth int) ([]byte, error) {
	if depth > maxWalkDepth {
		return dst, fmt.Errorf("json: value nested deeper than %d (a cycle?)", maxWalkDepth)
	}
	if !rv.IsValid() {
		return append(dst, "null"...), nil
	}
	// Try the encoder on the whole sub-value first; pass a pointer when
	// addressable so that pointer-receiver Marshalers run as they would.
	iv := rv
	if rv.CanAddr() {
		iv = rv.Addr()
	}
	if iv.CanInterface() {
		b, err := encode(iv.Interface())
		if err == nil {
			return append(dst, b...), nil
		}
		if !isNonFinite(err) {
			return dst, err
		}
	}
	switch rv.Kind() {
	case reflect.Float32, reflect.Float64:
		f := rv.Float()
		if math.IsNaN(f) || math.IsInf(f, 0) {
			return append(dst, "null"...), nil
		}
		var b []byte
		var err error
		if rv.Kind() == reflect.Float32 {
			b, err = encode(float32(f))
		} else {
			b, err = encode(f)
		}
		return append(dst, b...), err
	case reflect.Pointer, reflect.Interface:
		if rv.IsNil() {
			return append(dst, "null"...), nil
		}
		return walk(dst, rv.Elem(), depth+1)
	case reflect.Slice, reflect.Array:
		if rv.Kind() == reflect.Slice && rv.IsNil() {
			return append(dst, "null"...), nil
		}
		dst = append(dst, '[')
		for i := range rv.Len() {
			if i > 0 {
				dst = append(dst, ',')
			}
			var err error
			if dst, err = walk(dst, rv.Index(i), depth+1); err != nil {
				return dst, err
			}
		}
		return append(dst, ']'), nil
	case reflect.Map:
		return walkMap(dst, rv, depth)
	case reflect.Struct:
		return walkStruct(dst, rv, depth)
	}
	return dst, fmt.Errorf("json: unsupported type %s", rv.Type())
}

func walkMap(dst []byte, rv reflect.Value, depth int) ([]byte, error) {
	if rv.IsNil() {
		return append(dst, "null"...), nil
	}
	type kv struct {
		k string
		v reflect.Value
	}
	kvs := make([]kv, 0, rv.Len())
	it := rv.MapRange()
	for it.Next() {
		k, err := mapKey(it.Key())
		if err != nil {
			return dst, err
		}
		kvs = append(kvs, kv{k, it.Value()})
	}
	slices.SortFunc(kvs, func(a, b kv) int { return strings.Compare(a.k, b.k) })
	dst = append(dst, '{')
	for i, e := range kvs {
		if i > 0 {
			dst = append(dst, ',')
		}
		kb, _ := encode(e.k)
		dst = append(append(dst, kb...), ':')
		var err error
		if dst, err = walk(dst, e.v, depth+1); err != nil {
			return dst, err
		}
	}
	return append(dst, '}'), nil
}

// mapKey names a map key as encoding/json does.
func mapKey(k reflect.Value) (string, error) {
	if k.Kind() == reflect.String {
		return k.String(), nil
	}
	if tm, ok := k.Interface().(encoding.TextMarshaler); ok {
		if k.Kind() == reflect.Pointer && k.IsNil() {
			return "", nil
		}
		b, err := tm.MarshalText()
		return string(b), err
	}
	switch k.Kind() {
	case reflect.Int, reflect.Int8, reflect.Int16, reflect.Int32, reflect.Int64:
		return strconv.FormatInt(k.Int(), 10), nil
	case reflect.Uint, reflect.Uint8, reflect.Uint16, reflect.Uint32, reflect.Uint64, reflect.Uintptr:
		return strconv.FormatUint(k.Uint(), 10), nil
	}
	return "", fmt.Errorf("json: unsupported map key type %s", k.Type())
}

func walkStruct(dst []byte, rv reflect.Value, depth int) ([]byte, error) {
	dst = append(dst, '{')
	n := 0
	for _, f := range structFields(rv.Type()) {
		fv, ok := fieldByIndex(rv, f.index)
		if !ok {
			continue // behind a nil embedded pointer
		}
		if f.omitEmpty && jsontag.Empty(fv) || f.omitZero && isZero(fv) {
			continue
		}
		if n > 0 {
			dst = append(dst, ',')
		}
		n++
		kb, _ := encode(f.name)
		dst = append(append(dst, kb...), ':')
		var err error
		if f.quoted && isQuotable(fv) {
			dst, err = walkQuoted(dst, fv)
		} else {
			dst, err = walk(dst, fv, depth+1)
		}
		if err != nil {
			return dst, err
		}
	}
	return append(dst, '}'), nil
}

// walkQuoted writes a scalar field tagged `,string`.
func walkQuoted(dst []byte, fv reflect.Value) ([]byte, error) {
	for fv.Kind() == reflect.Pointer {
		if fv.IsNil() {
			return append(dst, "null"...), nil
		}
		fv = fv.Elem()
	}
	if (fv.Kind() == reflect.Float32 || fv.Kind() == reflect.Float64) && (math.IsNaN(fv.Float()) || math.IsInf(fv.Float(), 0)) {
		return append(dst, "null"...), nil
	}
	b, err := encode(fv.Interface())
	if err != nil {
		return dst, err
	}
	if fv.Kind() == reflect.String {
		q, _ := encode(string(b))
		return append(dst, q...), nil
	}
	return append(append(append(dst, '"'), b...), '"'), nil
}

func isQuotable(v reflect.Value) bool {
	t := v.Type()
	if t.Kind() == reflect.Pointer {
		t = t.Elem()
	}
	switch t.Kind() {
	case reflect.Bool, reflect.Int, reflect.Int8, reflect.Int16, reflect.Int32, reflect.Int64,
		reflect.Uint, reflect.Uint8, reflect.Uint16, reflect.Uint32, reflect.Uint64, reflect.Uintptr,
		reflect.Float32, reflect.Float64, reflect.String:
		return true
	}
	return false
}

func fieldByIndex(v reflect.Value, index []int) (reflect.Value, bool) {
	for i, x := range index {
		if i > 0 && v.Kind() == reflect.Pointer {
			if v.IsNil() {
				return reflect.Value{}, false
			}
			v = v.Elem()
		}
		v = v.Field(x)
	}
	return v, true
}

func isZero(v reflect.Value) bool {
	if z, ok := v.Interface().(interface{ IsZero() bool }); ok {
		if v.Kind() == reflect.Pointer && v.IsNil() {
			return true
		}
		return z.IsZero()
	}
	return v.IsZero()
}

type structField struct {
	name                        string
	index                       []int
	tagged                      bool
	omitEmpty, omitZero, quoted bool
}

// structFields lists t's JSON fields in encoding/json's order, with its
// rules for embedded structs (the shallowest name wins; at equal depth a
// tagged field wins; otherwise the name is dropped).
func structFields(t reflect.Type) []structField {
	type scan struct {
		t     reflect.Type
		index []int
	}
	var all []structField
	level := []scan{{t: t}}
	visited := map[reflect.Type]bool{}
	for len(level) > 0 {
		var next []scan
		count := map[string]int{}
		var found []structField
		for _, s := range level {
			if visited[s.t] {
				continue
			}
			visited[s.t] = true
			for i := range s.t.NumField() {
				sf := s.t.Field(i)
				ft := sf.Type
				if sf.Anonymous {
					if ft.Kind() == reflect.Pointer {
						ft = ft.Elem()
					}
					if !sf.IsExported() && ft.Kind() != reflect.Struct {
						continue
					}
				} else if !sf.IsExported() {
					continue
				}
				tag := sf.Tag.Get("json")
				if tag == "-" {
					continue
				}
				name, opts, _ := strings.Cut(tag, ",")
				index := append(slices.Clip(s.index), i)
				if name == "" && sf.Anonymous && ft.Kind() == reflect.Struct {
					next = append(next, scan{t: ft, index: index})
					continue
				}
				f := structField{name: name, index: index, tagged: name != ""}
				if name == "" {
					f.name = sf.Name
				}
				for o := range strings.SplitSeq(opts, ",") {
					switch o {
					case "omitempty":
						f.omitEmpty = true
					case "omitzero":
						f.omitZero = true
					case "string":
						f.quoted = true
					}
				}
				found = append(found, f)
				count[f.name]++
			}
		}
		for _, f := range found {
			if slices.ContainsFunc(all, func(a structField) bool { return a.name == f.name }) {
				continue // a shallower field has the name
			}
			if count[f.name] > 1 {
				tagged := 0
				for _, g := range found {
					if g.name == f.name && g.tagged {
						tagged++
					}
				}
				if tagged != 1 || !f.tagged {
					continue
				}
			}
			all = append(all, f)
		}
		// Names seen at this depth, kept or dropped, hide deeper fields.
		for name := range count {
			if !slices.ContainsFunc(all, func(a structField) bool { return a.name == name }) {
				all = append(all, structField{name: name, index: nil})
			}
		}
		level = next
	}
	out := all[:0]
	for _, f := range all {
		if f.index != nil {
			out = append(out, f)
		}
	}
	// encoding/json writes fields in index-sequence order.
	slices.SortStableFunc(out, func(a, b structField) int { return slices.Compare(a.index, b.index) })
	return out
}
