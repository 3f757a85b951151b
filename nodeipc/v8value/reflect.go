package v8value

import (
	"cmp"
	"encoding"
	"math/big"
	"reflect"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/nodeipc/nodeipc-go/nodeipc/internal/jsontag"
)

type ptrKey struct {
	t reflect.Type
	p uintptr
}

// isPackageType reports types that value() handles directly.
func isPackageType(t reflect.Type) bool {
	switch t {
	case reflect.TypeFor[time.Time](), reflect.TypeFor[*big.Int](), reflect.TypeFor[Double](),
		reflect.TypeFor[UTF16String](), reflect.TypeFor[Undefined](), reflect.TypeFor[Hole](),
		reflect.TypeFor[*Object](), reflect.TypeFor[*Array](), reflect.TypeFor[*Date](),
		reflect.TypeFor[*RegExp](), reflect.TypeFor[*Map](), reflect.TypeFor[*Set](),
		reflect.TypeFor[*ArrayBuffer](), reflect.TypeFor[*TypedArray](), reflect.TypeFor[*HostObject](),
		reflect.TypeFor[*Error](), reflect.TypeFor[*Boxed]():
		return true
	}
	return false
}

type mapKV struct {
	key   string
	idx   uint32
	isIdx bool
	val   reflect.Value
}

// jsKeyOrder orders property names like JavaScript: array indices ascending
// first, then the other names (sorted, for determinism).
func jsKeyOrder(a, b mapKV) int {
	switch {
	case a.isIdx && b.isIdx:
		return cmp.Compare(a.idx, b.idx)
	case a.isIdx:
		return -1
	case b.isIdx:
		return 1
	}
	return strings.Compare(a.key, b.key)
}

func (e *encoder) stringMap(m map[string]any) error {
	if m == nil {
		e.buf = append(e.buf, '0')
		return nil
	}
	return e.reflectValue(reflect.ValueOf(m))
}

func (e *encoder) reflectValue(v any) error {
	var rv reflect.Value
	if r, ok := v.(reflect.Value); ok {
		rv = r
	} else {
		rv = reflect.ValueOf(v)
	}
	return e.rv(rv)
}

func (e *encoder) rv(rv reflect.Value) error {
	if !rv.IsValid() {
		e.buf = append(e.buf, '0')
		return nil
	}
	t := rv.Type()
	if rv.CanInterface() && isPackageType(t) {
		return e.value(rv.Interface())
	}
	if t.Implements(reflect.TypeFor[encoding.TextMarshaler]()) && rv.CanInterface() {
		if rv.Kind() == reflect.Pointer && rv.IsNil() {
			e.buf = append(e.buf, '0')
			return nil
		}
		b, err := rv.Interface().(encoding.TextMarshaler).MarshalText()
		if err != nil {
			return err
		}
		e.string(string(b))
		return nil
	}
	switch rv.Kind() {
	case reflect.Bool:
		return e.value(rv.Bool())
	case reflect.Int, reflect.Int8, reflect.Int16, reflect.Int32, reflect.Int64:
		e.int64(rv.Int())
	case reflect.Uint, reflect.Uint8, reflect.Uint16, reflect.Uint32, reflect.Uint64, reflect.Uintptr:
		e.uint64(rv.Uint())
	case reflect.Float32, reflect.Float64:
		e.number(rv.Float())
	case reflect.String:
		e.string(rv.String())
	case reflect.Interface:
		if rv.IsNil() {
			e.buf = append(e.buf, '0')
			return nil
		}
		if err := e.enter(); err != nil {
			return err
		}
		if err := e.value(rv.Elem().Interface()); err != nil {
			return err
		}
		e.depth--
	case reflect.Pointer:
		if rv.IsNil() {
			e.buf = append(e.buf, '0')
			return nil
		}
		if err := e.enter(); err != nil {
			return err
		}
		el := rv.Elem()
		var err error
		switch el.Kind() {
		case reflect.Struct, reflect.Map, reflect.Slice, reflect.Array:
			if isPackageType(el.Type()) || el.Type().Implements(reflect.TypeFor[encoding.TextMarshaler]()) || (el.Kind() == reflect.Slice && el.Type().Elem().Kind() == reflect.Uint8) {
				err = e.rv(el)
			} else {
				err = e.container(el, ptrKey{t, rv.Pointer()})
			}
		default:
			err = e.rv(el)
		}
		if err != nil {
			return err
		}
		e.depth--
	case reflect.Map, reflect.Struct, reflect.Slice, reflect.Array:
		if (rv.Kind() == reflect.Map || rv.Kind() == reflect.Slice) && rv.IsNil() {
			e.buf = append(e.buf, '0')
			return nil
		}
		if rv.Kind() == reflect.Slice && t.Elem().Kind() == reflect.Uint8 {
			e.id(nil)
			e.hostView(Buffer, rv.Bytes())
			return nil
		}
		var key any
		if rv.Kind() == reflect.Map {
			key = ptrKey{t, rv.Pointer()}
		}
		return e.container(rv, key)
	default:
		return &UnsupportedTypeError{Type: t}
	}
	return nil
}

// container writes a map, struct, slice or array; key is its identity or nil.
func (e *encoder) container(rv reflect.Value, key any) error {
	if e.id(key) {
		return nil
	}
	if err := e.enter(); err != nil {
		return err
	}
	switch rv.Kind() {
	case reflect.Slice, reflect.Array:
		n := rv.Len()
		e.buf = append(e.buf, 'A')
		e.varint(uint64(n))
		for i := 0; i < n; i++ {
			if err := e.rv(rv.Index(i)); err != nil {
				return err
			}
		}
		e.buf = append(e.buf, '$', 0)
		e.varint(uint64(n))
	case reflect.Map:
		kvs := make([]mapKV, 0, rv.Len())
		it := rv.MapRange()
		for it.Next() {
			k := it.Key()
			var s string
			switch k.Kind() {
			case reflect.String:
				s = k.String()
			case reflect.Int, reflect.Int8, reflect.Int16, reflect.Int32, reflect.Int64:
				s = strconv.FormatInt(k.Int(), 10)
			case reflect.Uint, reflect.Uint8, reflect.Uint16, reflect.Uint32, reflect.Uint64, reflect.Uintptr:
				s = strconv.FormatUint(k.Uint(), 10)
			default:
				return &UnsupportedTypeError{Type: rv.Type(), Reason: "map key type must be a string or an integer"}
			}
			idx, ok := arrayIndex(s)
			kvs = append(kvs, mapKV{s, idx, ok, it.Value()})
		}
		slices.SortFunc(kvs, jsKeyOrder)
		e.buf = append(e.buf, 'o')
		for _, kv := range kvs {
			e.keyString(kv.key)
			if err := e.rv(kv.val); err != nil {
				return err
			}
		}
		e.buf = append(e.buf, '{')
		e.varint(uint64(len(kvs)))
	case reflect.Struct:
		fields := structFields(rv, nil, 0)
		fields = resolveFields(fields)
		// JavaScript lists array-index names first; other fields keep their order.
		slices.SortStableFunc(fields, func(a, b fieldVal) int {
			if !a.isIdx && !b.isIdx {
				return 0
			}
			return jsKeyOrder(a.mapKV, b.mapKV)
		})
		e.buf = append(e.buf, 'o')
		for _, f := range fields {
			e.keyString(f.key)
			if err := e.rv(f.val); err != nil {
				return err
			}
		}
		e.buf = append(e.buf, '{')
		e.varint(uint64(len(fields)))
	}
	e.depth--
	return nil
}

type fieldVal struct {
	mapKV
	depth  int
	tagged bool
}

// fieldTag returns the name and options from a v8 tag, else a json tag.
func fieldTag(sf reflect.StructField) (name, opts string, tagged, skip bool) {
	tag, ok := sf.Tag.Lookup("v8")
	if !ok {
		tag, ok = sf.Tag.Lookup("json")
	}
	if tag == "-" {
		return "", "", false, true
	}
	name, opts, _ = strings.Cut(tag, ",")
	return name, opts, ok && name != "", false
}

func structFields(rv reflect.Value, out []fieldVal, depth int) []fieldVal {
	t := rv.Type()
	for i := 0; i < t.NumField(); i++ {
		sf := t.Field(i)
		name, opts, tagged, skip := fieldTag(sf)
		if skip {
			continue
		}
		fv := rv.Field(i)
		if sf.Anonymous && !tagged {
			ft := sf.Type
			if ft.Kind() == reflect.Pointer {
				ft = ft.Elem()
			}
			if ft.Kind() == reflect.Struct && !isPackageType(ft) && depth < 16 {
				if fv.Kind() == reflect.Pointer {
					if fv.IsNil() {
						continue
					}
					fv = fv.Elem()
				}
				out = structFields(fv, out, depth+1)
				continue
			}
		}
		if !sf.IsExported() {
			continue
		}
		if name == "" {
			name = sf.Name
		}
		if hasOpt(opts, "omitempty") && jsontag.Empty(fv) {
			continue
		}
		if hasOpt(opts, "omitzero") && fv.IsZero() {
			continue
		}
		idx, ok := arrayIndex(name)
		out = append(out, fieldVal{mapKV{name, idx, ok, fv}, depth, tagged})
	}
	return out
}

// resolveFields applies encoding/json's rules for duplicate names: the
// shallowest field wins; among equals a single tagged field wins; otherwise
// all are dropped.
func resolveFields(fs []fieldVal) []fieldVal {
	out := fs[:0:0]
	for i, f := range fs {
		keep := true
		dup := false
		for j, g := range fs {
			if i == j || g.key != f.key {
				continue
			}
			dup = true
			if g.depth < f.depth || (g.depth == f.depth && g.tagged && !f.tagged) {
				keep = false
			} else if g.depth == f.depth && g.tagged == f.tagged {
				keep = false
			}
		}
		if keep || !dup {
			out = append(out, f)
		}
	}
	return out
}

func hasOpt(opts, want string) bool {
	for opts != "" {
		var o string
		o, opts, _ = strings.Cut(opts, ",")
		if o == want {
			return true
		}
	}
	return false
}
