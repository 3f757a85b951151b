package v8value

import (
	"encoding/binary"
	"math"
	"math/big"
)

// DefaultMaxDepth is the nesting limit used by Decode, Unmarshal and Marshal.
const DefaultMaxDepth = 1000

// MaxDepth is the nesting limit applied by Marshal.
const MaxDepth = DefaultMaxDepth

// Decoder holds decoding options. The zero value is ready to use. A Decoder
// is only read by its methods: one may be used by several goroutines at once.
type Decoder struct {
	// MaxDepth limits the nesting of objects, arrays, maps, sets, errors and
	// host objects. Zero means DefaultMaxDepth.
	MaxDepth int

	// MaxSparseLength limits how far Unmarshal expands a sparse array
	// (V8 tag a, which Node uses for every array with holes) into a Go
	// slice: a slice longer than MaxSparseLength is refused with a
	// *SparseArrayError unless it is at most twice the number of elements
	// the array actually holds. Zero means DefaultMaxSparseLength.
	// Unmarshal into an interface makes arrays []any and is limited the
	// same way. Decode, and Unmarshal into a map or a *Array, keep the
	// array sparse and are not limited; a Go array target is never
	// expanded beyond its own length.
	MaxSparseLength int
}

// DefaultMaxSparseLength is the default Decoder.MaxSparseLength: a sparse
// array may expand to 65,536 slice elements (or twice its present
// elements, if more).
const DefaultMaxSparseLength = 1 << 16

// Decode parses a payload (header + one value) into the generic representation
// described in the package documentation.
func Decode(data []byte) (any, error) {
	var d Decoder
	return d.Decode(data)
}

// Decode parses a payload using the decoder's options.
func (d *Decoder) Decode(data []byte) (any, error) {
	max := d.MaxDepth
	if max <= 0 {
		max = DefaultMaxDepth
	}
	r := reader{data: data, maxDepth: max}
	if err := r.readHeader(); err != nil {
		return nil, err
	}
	v, err := r.readValue()
	if err != nil {
		return nil, err
	}
	if r.pos != len(r.data) {
		return nil, r.fail(ErrTrailingData, "bytes after the top-level value")
	}
	return v, nil
}

// pendingObject marks an id whose object is not readable yet (V8 registers
// errors and host objects only after their contents are complete).
type pendingObject struct{}

type reader struct {
	data     []byte
	pos      int
	version  uint64
	ids      []any
	depth    int
	maxDepth int
	reserved int // element slots reserved by the dense arrays being read
}

func (r *reader) fail(err error, reason string) error {
	return &SyntaxError{Offset: r.pos, Err: err, Reason: reason}
}

func (r *reader) readHeader() error {
	if len(r.data) < 2 || r.data[0] != 0xFF {
		return r.fail(ErrBadVersion, "missing FF version header")
	}
	r.pos = 1
	v, err := r.varint()
	if err != nil {
		return err
	}
	if v < 13 || v > maxVersion {
		return r.fail(ErrBadVersion, "unsupported format version")
	}
	r.version = v
	return nil
}

func (r *reader) varint() (uint64, error) {
	var v uint64
	var shift uint
	for {
		if r.pos >= len(r.data) {
			return 0, r.fail(ErrTruncated, "varint")
		}
		b := r.data[r.pos]
		r.pos++
		if shift == 63 && b > 1 || shift > 63 {
			return 0, r.fail(ErrBadLength, "varint overflows 64 bits")
		}
		v |= uint64(b&0x7F) << shift
		if b < 0x80 {
			return v, nil
		}
		shift += 7
	}
}

func (r *reader) varint32() (uint32, error) {
	v, err := r.varint()
	if err != nil {
		return 0, err
	}
	if v > math.MaxUint32 {
		return 0, r.fail(ErrBadLength, "varint exceeds 32 bits")
	}
	return uint32(v), nil
}

// length reads a byte/element count and checks it against the remaining input
// (each counted unit needs at least unit bytes). Counts are 32-bit in every
// format version.
func (r *reader) length(unit int) (int, error) {
	return r.sizedLength(unit, false)
}

// bufferLength reads an ArrayBuffer's byte length (tags B, C and ~):
// 32-bit up to format 15, a full 64-bit varint (V8's size_t) from format 16
// on.
func (r *reader) bufferLength() (int, error) {
	return r.sizedLength(1, r.version >= 16)
}

// bufferMax reads a resizable ArrayBuffer's maximum byte length, which
// need not fit the remaining input: 32-bit up to format 15, 64-bit from
// format 16 on.
func (r *reader) bufferMax() (uint64, error) {
	if r.version >= 16 {
		return r.varint()
	}
	v, err := r.varint()
	if err == nil && v > math.MaxUint32 {
		err = r.fail(ErrBadLength, "length exceeds 32 bits")
	}
	return v, err
}

func (r *reader) sizedLength(unit int, wide bool) (int, error) {
	v, err := r.varint()
	if err != nil {
		return 0, err
	}
	if !wide && v > math.MaxUint32 {
		return 0, r.fail(ErrBadLength, "length exceeds 32 bits")
	}
	rem := uint64(len(r.data) - r.pos)
	if v > rem/uint64(unit) {
		return 0, r.fail(ErrBadLength, "length exceeds remaining data")
	}
	return int(v), nil
}

// boxed reads a Number, BigInt or String object: it takes its object id
// before its primitive value, as V8 does.
func (r *reader) boxed(read func() (any, error)) (any, error) {
	id := r.allocID()
	v, err := read()
	if err != nil {
		return nil, err
	}
	b := &Boxed{Value: v}
	r.ids[id] = b
	return b, nil
}

func (r *reader) raw(n int) []byte {
	b := r.data[r.pos : r.pos+n : r.pos+n]
	r.pos += n
	return b
}

func (r *reader) double() (float64, error) {
	if len(r.data)-r.pos < 8 {
		return 0, r.fail(ErrTruncated, "double")
	}
	f := math.Float64frombits(binary.LittleEndian.Uint64(r.data[r.pos:]))
	r.pos += 8
	return f, nil
}

// peekTag skips padding and returns the next tag without consuming it.
func (r *reader) peekTag() (byte, error) {
	for r.pos < len(r.data) && r.data[r.pos] == 0x00 {
		r.pos++
	}
	if r.pos >= len(r.data) {
		return 0, r.fail(ErrTruncated, "expected a tag")
	}
	return r.data[r.pos], nil
}

func (r *reader) allocID() int {
	r.ids = append(r.ids, pendingObject{})
	return len(r.ids) - 1
}

func (r *reader) enter() error {
	r.depth++
	if r.depth > r.maxDepth {
		return r.fail(ErrMaxDepth, "nesting too deep")
	}
	return nil
}

func (r *reader) readValue() (any, error) {
	for {
		tag, err := r.peekTag()
		if err != nil {
			return nil, err
		}
		r.pos++
		switch tag {
		case '?':
			if _, err := r.varint(); err != nil {
				return nil, err
			}
			continue
		case '_':
			return Undefined{}, nil
		case '0':
			return nil, nil
		case 'T':
			return true, nil
		case 'F':
			return false, nil
		case 'I':
			v, err := r.varint()
			if err != nil {
				return nil, err
			}
			if v > math.MaxUint32 {
				return nil, r.fail(ErrBadValue, "int32 out of range")
			}
			u := uint32(v)
			return int(int32(u>>1) ^ -int32(u&1)), nil
		case 'U':
			v, err := r.varint32()
			if err != nil {
				return nil, err
			}
			if uint64(v) > math.MaxInt {
				// 2^31 and above on 32-bit platforms: int would wrap.
				// The same number as a Double (it re-encodes as 'N').
				return Double(float64(v)), nil
			}
			return int(v), nil
		case 'N':
			f, err := r.double()
			if err != nil {
				return nil, err
			}
			return Double(f), nil
		case 'Z':
			return r.bigint()
		case '"', 'c', 'S':
			return r.stringBody(tag)
		case '^':
			id, err := r.varint()
			if err != nil {
				return nil, err
			}
			if id >= uint64(len(r.ids)) {
				return nil, r.fail(ErrBadReference, "reference to an unknown id")
			}
			v := r.ids[id]
			if _, ok := v.(pendingObject); ok {
				return nil, r.fail(ErrBadReference, "reference to an incomplete object")
			}
			return v, nil
		case 'o':
			return r.object()
		case 'A':
			return r.denseArray()
		case 'a':
			return r.sparseArray()
		case 'D':
			id := r.allocID()
			f, err := r.double()
			if err != nil {
				return nil, err
			}
			d := &Date{Ms: f}
			r.ids[id] = d
			return d, nil
		case 'y', 'x':
			b := &Boxed{Value: tag == 'y'}
			r.ids = append(r.ids, b)
			return b, nil
		case 'n':
			return r.boxed(func() (any, error) { return r.double() })
		case 'z':
			return r.boxed(func() (any, error) { return r.bigint() })
		case 's':
			return r.boxed(r.stringValue)
		case 'R':
			return r.regexp()
		case ';':
			return r.mapValue()
		case '\'':
			return r.setValue()
		case 'B':
			id := r.allocID()
			n, err := r.bufferLength()
			if err != nil {
				return nil, err
			}
			ab := &ArrayBuffer{Bytes: r.raw(n)}
			r.ids[id] = ab
			return r.afterBuffer(ab)
		case 'C':
			id := r.allocID()
			n, err := r.bufferLength()
			if err != nil {
				return nil, err
			}
			ab := &ArrayBuffer{Bytes: r.raw(n), Immutable: true}
			r.ids[id] = ab
			return r.afterBuffer(ab)
		case '~':
			id := r.allocID()
			n, err := r.bufferLength()
			if err != nil {
				return nil, err
			}
			max, err := r.bufferMax()
			if err != nil {
				return nil, err
			}
			if uint64(n) > max {
				return nil, r.fail(ErrBadLength, "resizable ArrayBuffer longer than its maximum")
			}
			if n > len(r.data)-r.pos { // the maximum's varint came after the length check
				return nil, r.fail(ErrBadLength, "length exceeds remaining data")
			}
			ab := &ArrayBuffer{Bytes: r.raw(n), Resizable: true, MaxByteLength: max}
			r.ids[id] = ab
			return r.afterBuffer(ab)
		case '\\':
			return r.hostObject()
		case 'r':
			return r.errorValue()
		default:
			r.pos--
			return nil, r.fail(ErrBadTag, "unexpected tag 0x"+hex2(tag))
		}
	}
}

func hex2(b byte) string {
	const digits = "0123456789abcdef"
	return string([]byte{digits[b>>4], digits[b&15]})
}

func (r *reader) afterBuffer(ab *ArrayBuffer) (any, error) {
	// V8 reads an ArrayBufferView tag directly after its buffer; Node's IPC
	// never produces one (views are host objects).
	if r.pos < len(r.data) && r.data[r.pos] == 'V' {
		return nil, r.fail(ErrBadTag, "ArrayBufferView tag V is not supported (Node IPC sends views as host objects)")
	}
	return ab, nil
}

func (r *reader) bigint() (*big.Int, error) {
	bits, err := r.varint32()
	if err != nil {
		return nil, err
	}
	n64 := uint64(bits >> 1)
	if n64 > uint64(len(r.data)-r.pos) {
		return nil, r.fail(ErrBadLength, "BigInt longer than remaining data")
	}
	n := int(n64)
	neg := bits&1 == 1
	if n == 0 {
		if neg {
			return nil, r.fail(ErrBadValue, "BigInt negative zero")
		}
		return new(big.Int), nil
	}
	le := r.raw(n)
	be := make([]byte, n)
	for i := range le {
		be[n-1-i] = le[i]
	}
	z := new(big.Int).SetBytes(be)
	if neg {
		if z.Sign() == 0 {
			return nil, r.fail(ErrBadValue, "BigInt negative zero")
		}
		z.Neg(z)
	}
	return z, nil
}

// properties reads key/value pairs until end, returning them and the count.
func (r *reader) properties(end byte, props []Property) ([]Property, uint32, error) {
	var count uint32
	first := len(props)
	for {
		tag, err := r.peekTag()
		if err != nil {
			return nil, 0, err
		}
		if tag == end {
			if propsRepeat(props[first:]) {
				return nil, 0, r.fail(ErrBadValue, "duplicate property key")
			}
			r.pos++
			return props, count, nil
		}
		k, err := r.readValue()
		if err != nil {
			return nil, 0, err
		}
		var p Property
		switch kv := k.(type) {
		case string:
			p.Key = kv
		case UTF16String:
			p.Key, p.raw = kv.String(), kv
		case int:
			p.Key, p.raw = formatNumber(float64(kv)), kv
		case Double:
			p.Key, p.raw = formatNumber(float64(kv)), kv
		default:
			return nil, 0, r.fail(ErrBadValue, "object key is not a string or number")
		}
		p.Value, err = r.readValue()
		if err != nil {
			return nil, 0, err
		}
		props = append(props, p)
		count++
	}
}

func (r *reader) object() (any, error) {
	if err := r.enter(); err != nil {
		return nil, err
	}
	o := &Object{}
	r.ids = append(r.ids, o)
	props, n, err := r.properties('{', nil)
	if err != nil {
		return nil, err
	}
	want, err := r.varint()
	if err != nil {
		return nil, err
	}
	if want != uint64(n) {
		return nil, r.fail(ErrBadLength, "object property count mismatch")
	}
	o.Props = props
	r.depth--
	return o, nil
}

func (r *reader) denseArray() (any, error) {
	if err := r.enter(); err != nil {
		return nil, err
	}
	a := &Array{}
	r.ids = append(r.ids, a)
	n, err := r.length(1)
	if err != nil {
		return nil, err
	}
	if uint64(n) > math.MaxUint32 {
		return nil, r.fail(ErrBadLength, "array too long")
	}
	a.Length = uint32(n)
	// The declared length is only checked against the remaining input:
	// nested arrays can each claim all of it. Elements grow as they arrive.
	capacity, reserved := r.reserve(n)
	a.Elements = make([]any, 0, capacity)
	for i := 0; i < n; i++ {
		tag, err := r.peekTag()
		if err != nil {
			return nil, err
		}
		if len(a.Elements) == cap(a.Elements) {
			a.Elements = growElements(a.Elements, n)
		}
		if tag == '-' {
			r.pos++
			a.Elements = append(a.Elements, Hole{})
			continue
		}
		v, err := r.readValue()
		if err != nil {
			return nil, err
		}
		a.Elements = append(a.Elements, v)
	}
	r.reserved -= reserved
	props, cnt, err := r.properties('$', nil)
	if err != nil {
		return nil, err
	}
	for _, p := range props {
		if i, ok := arrayIndex(p.Key); ok && int64(i) < int64(len(a.Elements)) {
			if _, hole := a.Elements[i].(Hole); !hole {
				return nil, r.fail(ErrBadValue, "array property names an element")
			}
		}
	}
	if err := r.arrayTrailer(cnt, a.Length); err != nil {
		return nil, err
	}
	a.Props = props
	r.depth--
	return a, nil
}

func (r *reader) arrayTrailer(count, length uint32) error {
	np, err := r.varint()
	if err != nil {
		return err
	}
	nl, err := r.varint()
	if err != nil {
		return err
	}
	if np != uint64(count) || nl != uint64(length) {
		return r.fail(ErrBadLength, "array property count or length mismatch")
	}
	return nil
}

func (r *reader) sparseArray() (any, error) {
	if err := r.enter(); err != nil {
		return nil, err
	}
	a := &Array{Sparse: true}
	r.ids = append(r.ids, a)
	n, err := r.varint32()
	if err != nil {
		return nil, err
	}
	a.Length = n
	props, cnt, err := r.properties('@', nil)
	if err != nil {
		return nil, err
	}
	if err := r.arrayTrailer(cnt, a.Length); err != nil {
		return nil, err
	}
	a.Props = props
	r.depth--
	return a, nil
}

func (r *reader) regexp() (any, error) {
	id := r.allocID()
	s, err := r.stringValue()
	if err != nil {
		return nil, err
	}
	flags, err := r.varint32()
	if err != nil {
		return nil, err
	}
	re := &RegExp{Flags: flags}
	switch sv := s.(type) {
	case string:
		re.Source = sv
	case UTF16String:
		re.Source, re.raw = sv.String(), sv
	}
	if err := r.checkRegExp(re.Source, flags); err != nil {
		return nil, err
	}
	r.ids[id] = re
	return re, nil
}

func (r *reader) mapValue() (any, error) {
	if err := r.enter(); err != nil {
		return nil, err
	}
	m := &Map{}
	r.ids = append(r.ids, m)
	var n uint64
	for {
		tag, err := r.peekTag()
		if err != nil {
			return nil, err
		}
		if tag == ':' {
			r.pos++
			break
		}
		k, err := r.readValue()
		if err != nil {
			return nil, err
		}
		v, err := r.readValue()
		if err != nil {
			return nil, err
		}
		m.Entries = append(m.Entries, MapEntry{Key: k, Value: v})
		n += 2
	}
	want, err := r.varint()
	if err != nil {
		return nil, err
	}
	if want != n {
		return nil, r.fail(ErrBadLength, "Map entry count mismatch")
	}
	r.depth--
	return m, nil
}

func (r *reader) setValue() (any, error) {
	if err := r.enter(); err != nil {
		return nil, err
	}
	s := &Set{}
	r.ids = append(r.ids, s)
	for {
		tag, err := r.peekTag()
		if err != nil {
			return nil, err
		}
		if tag == ',' {
			r.pos++
			break
		}
		v, err := r.readValue()
		if err != nil {
			return nil, err
		}
		s.Values = append(s.Values, v)
	}
	want, err := r.varint()
	if err != nil {
		return nil, err
	}
	if want != uint64(len(s.Values)) {
		return nil, r.fail(ErrBadLength, "Set size mismatch")
	}
	r.depth--
	return s, nil
}

func (r *reader) hostObject() (any, error) {
	if err := r.enter(); err != nil {
		return nil, err
	}
	id := r.allocID()
	kind, err := r.varint()
	if err != nil {
		return nil, err
	}
	var v any
	switch kind {
	case 0:
		ti, err := r.varint()
		if err != nil {
			return nil, err
		}
		if ti >= uint64(numViewTypes) {
			return nil, r.fail(ErrBadValue, "invalid host object type index")
		}
		n, err := r.length(1)
		if err != nil {
			return nil, err
		}
		v = &TypedArray{Type: ViewType(ti), Bytes: r.raw(n)}
	case 1:
		inner, err := r.readValue()
		if err != nil {
			return nil, err
		}
		if isPrimitive(inner) {
			return nil, r.fail(ErrBadValue, "host object wraps a primitive")
		}
		v = &HostObject{Value: inner}
	default:
		return nil, r.fail(ErrBadValue, "invalid host object tag")
	}
	r.ids[id] = v
	r.depth--
	return v, nil
}

func (r *reader) errorValue() (any, error) {
	if err := r.enter(); err != nil {
		return nil, err
	}
	id := r.allocID()
	e := &Error{}
	for {
		t, err := r.varint()
		if err != nil {
			return nil, err
		}
		switch t {
		case 'E':
			e.Name = "EvalError"
		case 'R':
			e.Name = "RangeError"
		case 'F':
			e.Name = "ReferenceError"
		case 'S':
			e.Name = "SyntaxError"
		case 'T':
			e.Name = "TypeError"
		case 'U':
			e.Name = "URIError"
		case 'm', 's':
			sv, err := r.stringValue()
			if err != nil {
				return nil, err
			}
			var s string
			var raw UTF16String
			switch x := sv.(type) {
			case string:
				s = x
			case UTF16String:
				s, raw = x.String(), x
			}
			if t == 'm' {
				e.Message, e.rawMessage, e.HasMessage = s, raw, true
			} else {
				e.Stack, e.rawStack, e.HasStack = s, raw, true
				if e.HasCause {
					e.CauseFirst = true
				}
			}
		case 'c':
			v, err := r.readValue()
			if err != nil {
				return nil, err
			}
			e.Cause, e.HasCause = v, true
		case '.':
			r.ids[id] = e
			r.depth--
			return e, nil
		default:
			return nil, r.fail(ErrBadTag, "invalid Error sub-tag")
		}
	}
}
