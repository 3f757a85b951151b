package v8value

import (
	"math"
	"math/big"
	"reflect"
	"strconv"
	"strings"
	"time"
)

// Unmarshal decodes a payload and stores the result in the value pointed to
// by v, in the manner of encoding/json: objects fill structs (matching the
// `v8` tag, else the `json` tag, else the field name, case-insensitively) and
// maps; arrays and Sets fill slices and arrays; numbers fill numeric types
// with range and integrality checks; Buffers, TypedArrays and ArrayBuffers
// fill []byte; Dates fill time.Time; BigInts fill *big.Int; null and
// undefined leave non-nillable targets unchanged.
//
// An empty interface target (any, and the elements of []any and
// map[string]any) receives the Go types encoding/json gives the same value
// sent as JSON, so that code written for one serialization works with the
// other: null and undefined become nil, booleans bool, numbers float64,
// strings string, arrays []any (holes nil; a sparse array is expanded under
// the same limit as a slice, see SparseArrayError), objects map[string]any
// (properties whose value is undefined left out, as JSON.stringify does),
// and boxed primitives their value. NaN and ±Infinity, which JSON.stringify
// writes as null, stay float64. Values JSON cannot carry keep a Go form: a
// valid Date becomes a time.Time (an invalid one nil), a BigInt a *big.Int,
// and the others (Map, Set, RegExp, ArrayBuffer, typed arrays, Error) the
// representation Decode returns. For that exact representation of every
// value, call Decode, or give a target of one of this package's types (such
// as *Array or *Object).
func Unmarshal(data []byte, v any) error {
	var d Decoder
	return d.Unmarshal(data, v)
}

// Unmarshal is Unmarshal with the decoder's options.
func (d *Decoder) Unmarshal(data []byte, v any) error {
	rv := reflect.ValueOf(v)
	if rv.Kind() != reflect.Pointer || rv.IsNil() {
		return &InvalidUnmarshalError{reflect.TypeOf(v)}
	}
	g, err := d.Decode(data)
	if err != nil {
		return err
	}
	max := d.MaxDepth
	if max <= 0 {
		max = DefaultMaxDepth
	}
	sparse := d.MaxSparseLength
	if sparse <= 0 {
		sparse = DefaultMaxSparseLength
	}
	c := converter{done: map[convKey]reflect.Value{}, max: max, sparse: sparse}
	return c.assign(rv.Elem(), g)
}

type convKey struct {
	src any
	t   reflect.Type
}

type converter struct {
	done   map[convKey]reflect.Value // completed (or in-progress pointer) conversions
	depth  int
	max    int
	sparse int // Decoder.MaxSparseLength
}

func kindOf(v any) string {
	switch x := v.(type) {
	case nil:
		return "null"
	case Undefined:
		return "undefined"
	case bool:
		return "boolean"
	case int:
		return "number " + strconv.Itoa(x)
	case Double:
		return "number " + formatNumber(float64(x))
	case string, UTF16String:
		return "string"
	case *big.Int:
		return "bigint"
	case *Object:
		return "object"
	case *Array:
		return "array"
	case *Date:
		return "Date"
	case *RegExp:
		return "RegExp"
	case *Map:
		return "Map"
	case *Set:
		return "Set"
	case *ArrayBuffer:
		return "ArrayBuffer"
	case *TypedArray:
		return x.Type.String()
	case *Error:
		return "Error"
	case *Boxed:
		return "boxed primitive"
	case *HostObject:
		return "host object"
	}
	return "value"
}

func (c *converter) mismatch(v any, t reflect.Type) error {
	return &UnmarshalTypeError{Value: kindOf(v), Type: t}
}

func number(v any) (float64, bool) {
	switch x := v.(type) {
	case int:
		return float64(x), true
	case Double:
		return float64(x), true
	case *Boxed:
		return number(x.Value)
	case float64:
		return x, true
	}
	return 0, false
}

func (c *converter) assign(dst reflect.Value, v any) error {
	c.depth++
	defer func() { c.depth-- }()
	if c.depth > c.max {
		return ErrMaxDepth
	}
	t := dst.Type()
	if hd, ok := v.(*HostObject); ok && t != reflect.TypeFor[*HostObject]() {
		v = hd.Value
	}
	if t.Kind() == reflect.Interface && t.NumMethod() == 0 {
		p, err := c.plain(v)
		if err != nil {
			return err
		}
		if p == nil {
			dst.SetZero()
		} else {
			dst.Set(reflect.ValueOf(p))
		}
		return nil
	}
	// Package types and other interfaces take the generic value as is.
	if v != nil {
		if vt := reflect.TypeOf(v); vt.AssignableTo(t) {
			dst.Set(reflect.ValueOf(v))
			return nil
		}
	}
	switch v.(type) {
	case nil, Undefined:
		switch t.Kind() {
		case reflect.Interface, reflect.Pointer, reflect.Map, reflect.Slice:
			dst.SetZero()
		}
		return nil
	}
	if t.Kind() == reflect.Pointer {
		key := convKey{v, t}
		if isRefValue(v) {
			if p, ok := c.done[key]; ok {
				dst.Set(p)
				return nil
			}
		}
		p := reflect.New(t.Elem())
		if isRefValue(v) {
			c.done[key] = p
		}
		if err := c.assign(p.Elem(), v); err != nil {
			return err
		}
		dst.Set(p)
		return nil
	}
	switch t {
	case reflect.TypeFor[time.Time]():
		d, ok := v.(*Date)
		if !ok || !d.Valid() {
			return c.mismatch(v, t)
		}
		dst.Set(reflect.ValueOf(d.Time()))
		return nil
	case reflect.TypeFor[big.Int]():
		var z *big.Int
		switch x := v.(type) {
		case *big.Int:
			z = x
		case int:
			z = big.NewInt(int64(x))
		default:
			return c.mismatch(v, t)
		}
		dst.Set(reflect.ValueOf(z).Elem())
		return nil
	}
	switch t.Kind() {
	case reflect.Bool:
		b, ok := v.(bool)
		if bx, isBox := v.(*Boxed); isBox {
			b, ok = bx.Value.(bool)
		}
		if !ok {
			return c.mismatch(v, t)
		}
		dst.SetBool(b)
	case reflect.Int, reflect.Int8, reflect.Int16, reflect.Int32, reflect.Int64:
		if z, ok := v.(*big.Int); ok && z.IsInt64() && !dst.OverflowInt(z.Int64()) {
			dst.SetInt(z.Int64())
			return nil
		}
		f, ok := number(v)
		if !ok || f != math.Trunc(f) || f < -(1<<63) || f >= 1<<63 || dst.OverflowInt(int64(f)) {
			return c.mismatch(v, t)
		}
		dst.SetInt(int64(f))
	case reflect.Uint, reflect.Uint8, reflect.Uint16, reflect.Uint32, reflect.Uint64, reflect.Uintptr:
		if z, ok := v.(*big.Int); ok && z.IsUint64() && !dst.OverflowUint(z.Uint64()) {
			dst.SetUint(z.Uint64())
			return nil
		}
		f, ok := number(v)
		if !ok || f != math.Trunc(f) || f < 0 || f >= 1<<64 || dst.OverflowUint(uint64(f)) {
			return c.mismatch(v, t)
		}
		dst.SetUint(uint64(f))
	case reflect.Float32, reflect.Float64:
		f, ok := number(v)
		if !ok {
			return c.mismatch(v, t)
		}
		if t.Kind() == reflect.Float32 && !math.IsInf(f, 0) && !math.IsNaN(f) && math.Abs(f) > math.MaxFloat32 {
			return c.mismatch(v, t)
		}
		dst.SetFloat(f)
	case reflect.String:
		switch x := v.(type) {
		case string:
			dst.SetString(x)
		case UTF16String:
			dst.SetString(x.String())
		case *Boxed:
			return c.assign(dst, x.Value)
		default:
			return c.mismatch(v, t)
		}
	case reflect.Slice:
		if t.Elem().Kind() == reflect.Uint8 {
			switch x := v.(type) {
			case *TypedArray:
				dst.SetBytes(append([]byte{}, x.Bytes...))
				return nil
			case *ArrayBuffer:
				dst.SetBytes(append([]byte{}, x.Bytes...))
				return nil
			}
		}
		if !isRefValue(v) {
			return c.mismatch(v, t)
		}
		key := convKey{v, t}
		if s, ok := c.done[key]; ok {
			dst.Set(s)
			return nil
		}
		s, err := c.toSlice(t, v)
		if err != nil {
			return err
		}
		dst.Set(s)
		c.done[key] = s
	case reflect.Array:
		if err := c.toArray(dst, v); err != nil {
			return err
		}
	case reflect.Map:
		key := convKey{v, t}
		if !isRefValue(v) {
			return c.mismatch(v, t)
		}
		if m, ok := c.done[key]; ok {
			dst.Set(m)
			return nil
		}
		dst.Set(reflect.MakeMap(t))
		c.done[key] = dst
		return c.toMap(dst, v)
	case reflect.Struct:
		o, ok := v.(*Object)
		if !ok {
			return c.mismatch(v, t)
		}
		return c.toStruct(dst, o)
	default:
		return c.mismatch(v, t)
	}
	return nil
}

func isRefValue(v any) bool {
	switch v.(type) {
	case *Object, *Array, *Map, *Set, *Error, *Date, *TypedArray, *ArrayBuffer, *RegExp, *Boxed:
		return true
	}
	return false
}

func (c *converter) toMap(dst reflect.Value, v any) error {
	t := dst.Type()
	kt := t.Key()
	put := func(k any, val any) error {
		kv := reflect.New(kt).Elem()
		if ks, ok := k.(string); ok && kt.Kind() != reflect.String {
			// object keys are strings; numeric map keys parse them
			switch kt.Kind() {
			case reflect.Int, reflect.Int8, reflect.Int16, reflect.Int32, reflect.Int64:
				n, err := strconv.ParseInt(ks, 10, 64)
				if err != nil || kv.OverflowInt(n) {
					return c.mismatch(k, kt)
				}
				kv.SetInt(n)
			case reflect.Uint, reflect.Uint8, reflect.Uint16, reflect.Uint32, reflect.Uint64, reflect.Uintptr:
				n, err := strconv.ParseUint(ks, 10, 64)
				if err != nil || kv.OverflowUint(n) {
					return c.mismatch(k, kt)
				}
				kv.SetUint(n)
			default:
				if err := c.assign(kv, k); err != nil {
					return err
				}
			}
		} else if err := c.assign(kv, k); err != nil {
			return err
		}
		if !kv.Type().Comparable() {
			return c.mismatch(k, kt)
		}
		ev := reflect.New(t.Elem()).Elem()
		if err := c.assignField(ev, val, kindKey(k)); err != nil {
			return err
		}
		dst.SetMapIndex(kv, ev)
		return nil
	}
	switch x := v.(type) {
	case *Object:
		plain := t.Elem().Kind() == reflect.Interface && t.Elem().NumMethod() == 0
		for _, p := range x.Props {
			if _, undef := p.Value.(Undefined); undef && plain {
				continue // left out, as JSON.stringify does (see Unmarshal)
			}
			if err := put(p.Key, p.Value); err != nil {
				return err
			}
		}
	case *Map:
		for _, e := range x.Entries {
			if kt.Kind() == reflect.Interface {
				if e.Key != nil && !reflect.TypeOf(e.Key).Comparable() {
					return c.mismatch(e.Key, kt)
				}
			}
			if err := put(e.Key, e.Value); err != nil {
				return err
			}
		}
	case *Array:
		for i, e := range x.Elements {
			if _, hole := e.(Hole); hole {
				continue
			}
			if err := put(strconv.Itoa(i), e); err != nil {
				return err
			}
		}
		for _, p := range x.Props {
			if err := put(p.Key, p.Value); err != nil {
				return err
			}
		}
	default:
		return c.mismatch(v, t)
	}
	return nil
}

func kindKey(k any) string {
	if s, ok := k.(string); ok {
		return s
	}
	return "?"
}

func (c *converter) toStruct(dst reflect.Value, o *Object) error {
	for _, p := range o.Props {
		f, ok := findField(dst, p.Key)
		if !ok {
			continue
		}
		if err := c.assignField(f, p.Value, p.Key); err != nil {
			return err
		}
	}
	return nil
}

// findField finds the settable field for a property name: exact name first,
// then a case-insensitive match, following untagged embedded structs.
func findField(rv reflect.Value, name string) (reflect.Value, bool) {
	var fold reflect.Value
	found := false
	var walk func(rv reflect.Value, depth int) (reflect.Value, bool)
	walk = func(rv reflect.Value, depth int) (reflect.Value, bool) {
		t := rv.Type()
		for i := 0; i < t.NumField(); i++ {
			sf := t.Field(i)
			fname, _, tagged, skip := fieldTag(sf)
			if skip {
				continue
			}
			if sf.Anonymous && !tagged && depth < 16 {
				ft := sf.Type
				if ft.Kind() == reflect.Struct && !isPackageType(ft) {
					if f, ok := walk(rv.Field(i), depth+1); ok {
						return f, true
					}
					continue
				}
			}
			if !sf.IsExported() {
				continue
			}
			if fname == "" {
				fname = sf.Name
			}
			if fname == name {
				return rv.Field(i), true
			}
			if !found && strings.EqualFold(fname, name) {
				fold, found = rv.Field(i), true
			}
		}
		return reflect.Value{}, false
	}
	if f, ok := walk(rv, 0); ok {
		return f, true
	}
	return fold, found
}
