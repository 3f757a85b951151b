package v8value

import (
	"encoding/binary"
	"math"
	"math/big"
	"math/bits"
	"time"
	"unicode/utf16"
)

// Version is the serializer format version Marshal writes: 15, what Node
// 18–26 write and the newest they read. The decoder also reads 16 (Deno
// 2.9, V8 14.9+, expected in Node 27); Marshal's output is the same in both
// formats for every value it can write, so it stays at 15 until every
// supported Node release reads 16.
const Version = 15

// Marshal encodes v as a payload: the header FF 0F followed by one value.
// See the package documentation for the mapping of Go values.
func Marshal(v any) ([]byte, error) {
	return AppendMarshal(make([]byte, 0, 64), v)
}

// AppendMarshal appends the payload for v to dst and returns the extended
// slice. Alignment padding of two-byte strings is computed relative to
// len(dst), the start of the payload. On error dst is returned unchanged
// (its spare capacity may have been written).
func AppendMarshal(dst []byte, v any) ([]byte, error) {
	e := encoder{buf: append(dst, 0xFF, Version), base: len(dst)}
	if err := e.value(v); err != nil {
		return dst, err
	}
	return e.buf, nil
}

// CheckTopLevel reports whether Node's process.send()/subprocess.send() would
// accept v as a message: undefined gives ErrMissingArgs, a BigInt gives
// ErrInvalidArgType. Values Marshal cannot encode are reported by Marshal.
func CheckTopLevel(v any) error {
	switch x := v.(type) {
	case Undefined:
		return ErrMissingArgs
	case *big.Int:
		if x != nil {
			return ErrInvalidArgType
		}
	case big.Int:
		return ErrInvalidArgType
	}
	return nil
}

type refEntry struct {
	key any
	id  uint32
}

type encoder struct {
	buf    []byte
	base   int
	nextID uint32
	depth  int
	small  [8]refEntry
	nsmall int
	refs   map[any]uint32
}

// id accounts for a reference-typed value. key identifies the value (nil for
// values without identity). It reports true after writing a back-reference.
func (e *encoder) id(key any) bool {
	if key != nil {
		for i := 0; i < e.nsmall; i++ {
			if e.small[i].key == key {
				e.backref(e.small[i].id)
				return true
			}
		}
		if id, ok := e.refs[key]; ok {
			e.backref(id)
			return true
		}
		if e.nsmall < len(e.small) {
			e.small[e.nsmall] = refEntry{key, e.nextID}
			e.nsmall++
		} else {
			if e.refs == nil {
				e.refs = make(map[any]uint32)
			}
			e.refs[key] = e.nextID
		}
	}
	e.nextID++
	return false
}

func (e *encoder) backref(id uint32) {
	e.buf = append(e.buf, '^')
	e.varint(uint64(id))
}

func (e *encoder) enter() error {
	e.depth++
	if e.depth > MaxDepth {
		return ErrMaxDepth
	}
	return nil
}

func (e *encoder) varint(v uint64) {
	for v >= 0x80 {
		e.buf = append(e.buf, byte(v)|0x80)
		v >>= 7
	}
	e.buf = append(e.buf, byte(v))
}

func varintLen(v uint64) int {
	n := 1
	for v >= 0x80 {
		v >>= 7
		n++
	}
	return n
}

func (e *encoder) int64(v int64) {
	if v >= math.MinInt32 && v <= math.MaxInt32 {
		e.smi(int32(v))
		return
	}
	e.double(float64(v))
}

func (e *encoder) uint64(v uint64) {
	if v <= math.MaxInt32 {
		e.smi(int32(v))
		return
	}
	e.double(float64(v))
}

func (e *encoder) smi(v int32) {
	e.buf = append(e.buf, 'I')
	e.varint(uint64(uint32(v<<1) ^ uint32(v>>31)))
}

func (e *encoder) number(f float64) {
	if f == math.Trunc(f) && f >= math.MinInt32 && f <= math.MaxInt32 && !(f == 0 && math.Signbit(f)) {
		e.smi(int32(f))
		return
	}
	e.double(f)
}

func (e *encoder) double(f float64) {
	e.buf = append(e.buf, 'N')
	e.rawDouble(f)
}

func (e *encoder) rawDouble(f float64) {
	e.buf = binary.LittleEndian.AppendUint64(e.buf, math.Float64bits(f))
}

// string writes s as a one-byte string when every code point is ≤ U+00FF and
// as a padded two-byte string otherwise.
func (e *encoder) string(s string) {
	i := 0
	for i < len(s) && s[i] < 0x80 {
		i++
	}
	if i == len(s) {
		e.buf = append(e.buf, '"')
		e.varint(uint64(len(s)))
		e.buf = append(e.buf, s...)
		return
	}
	latin, units := true, 0
	for _, r := range s {
		if r > 0xFF {
			latin = false
		}
		if r >= 0x10000 {
			units += 2
		} else {
			units++
		}
	}
	if latin {
		e.buf = append(e.buf, '"')
		e.varint(uint64(units))
		for _, r := range s {
			e.buf = append(e.buf, byte(r))
		}
		return
	}
	e.twoByteHeader(units * 2)
	for _, r := range s {
		if r >= 0x10000 {
			r1, r2 := utf16.EncodeRune(r)
			e.buf = binary.LittleEndian.AppendUint16(e.buf, uint16(r1))
			e.buf = binary.LittleEndian.AppendUint16(e.buf, uint16(r2))
		} else {
			e.buf = binary.LittleEndian.AppendUint16(e.buf, uint16(r))
		}
	}
}

// twoByteHeader writes V8's alignment padding, the c tag and the byte length:
// the UTF-16 data starts at an even offset from the payload start.
func (e *encoder) twoByteHeader(n int) {
	if (len(e.buf)-e.base+1+varintLen(uint64(n)))&1 != 0 {
		e.buf = append(e.buf, 0)
	}
	e.buf = append(e.buf, 'c')
	e.varint(uint64(n))
}

func (e *encoder) utf16(u UTF16String) {
	e.twoByteHeader(len(u) * 2)
	for _, c := range u {
		e.buf = binary.LittleEndian.AppendUint16(e.buf, c)
	}
}

// stringOrRaw writes raw when it still spells s, else s.
func (e *encoder) stringOrRaw(s string, raw UTF16String) {
	if raw != nil && raw.String() == s {
		e.utf16(raw)
		return
	}
	e.string(s)
}

func (e *encoder) bigint(x *big.Int) {
	words := x.Bits()
	const wb = bits.UintSize / 8
	n := len(words) * wb
	n = (n + 7) &^ 7
	field := uint64(n) << 1
	if x.Sign() < 0 {
		field |= 1
	}
	e.varint(field)
	start := len(e.buf)
	for _, w := range words {
		for i := 0; i < wb; i++ {
			e.buf = append(e.buf, byte(uint64(w)>>(8*i)))
		}
	}
	for len(e.buf)-start < n {
		e.buf = append(e.buf, 0)
	}
}

func (e *encoder) key(p *Property) {
	switch r := p.raw.(type) {
	case int:
		if formatNumber(float64(r)) == p.Key {
			e.int64(int64(r))
			return
		}
	case Double:
		if formatNumber(float64(r)) == p.Key {
			e.double(float64(r))
			return
		}
	case UTF16String:
		if r.String() == p.Key {
			e.utf16(r)
			return
		}
	}
	e.keyString(p.Key)
}

// keyString writes a property name the way V8 does: array-index names as
// numbers, everything else as a string.
func (e *encoder) keyString(k string) {
	if idx, ok := arrayIndex(k); ok {
		e.uint64(uint64(idx))
		return
	}
	e.string(k)
}

func (e *encoder) props(ps []Property) error {
	for i := range ps {
		e.key(&ps[i])
		if err := e.value(ps[i].Value); err != nil {
			return err
		}
	}
	return nil
}

func (e *encoder) value(v any) error {
	switch x := v.(type) {
	case nil:
		e.buf = append(e.buf, '0')
	case Undefined:
		e.buf = append(e.buf, '_')
	case bool:
		if x {
			e.buf = append(e.buf, 'T')
		} else {
			e.buf = append(e.buf, 'F')
		}
	case int:
		e.int64(int64(x))
	case int8:
		e.int64(int64(x))
	case int16:
		e.int64(int64(x))
	case int32:
		e.int64(int64(x))
	case int64:
		e.int64(x)
	case uint:
		e.uint64(uint64(x))
	case uint8:
		e.uint64(uint64(x))
	case uint16:
		e.uint64(uint64(x))
	case uint32:
		e.uint64(uint64(x))
	case uint64:
		e.uint64(x)
	case float64:
		e.number(x)
	case float32:
		e.number(float64(x))
	case Double:
		e.double(float64(x))
	case string:
		e.string(x)
	case UTF16String:
		e.utf16(x)
	case []byte:
		e.id(nil)
		e.hostView(Buffer, x)
	case *big.Int:
		if x == nil {
			e.buf = append(e.buf, '0')
			return nil
		}
		e.buf = append(e.buf, 'Z')
		e.bigint(x)
	case time.Time:
		e.id(nil)
		e.buf = append(e.buf, 'D')
		e.rawDouble(float64(x.UnixMilli()))
	case *Object:
		if x == nil {
			e.buf = append(e.buf, '0')
			return nil
		}
		if e.id(x) {
			return nil
		}
		return e.object(x)
	case *Array:
		if x == nil {
			e.buf = append(e.buf, '0')
			return nil
		}
		if e.id(x) {
			return nil
		}
		return e.array(x)
	case *Date:
		if x == nil {
			e.buf = append(e.buf, '0')
			return nil
		}
		if e.id(x) {
			return nil
		}
		e.buf = append(e.buf, 'D')
		e.rawDouble(x.Ms)
	case *RegExp:
		if x == nil {
			e.buf = append(e.buf, '0')
			return nil
		}
		if e.id(x) {
			return nil
		}
		if x.Flags&^regexpFlagMask != 0 {
			return &UnsupportedValueError{x, "invalid RegExp flags"}
		}
		e.buf = append(e.buf, 'R')
		e.stringOrRaw(x.Source, x.raw)
		e.varint(uint64(x.Flags))
	case *Map:
		if x == nil {
			e.buf = append(e.buf, '0')
			return nil
		}
		if e.id(x) {
			return nil
		}
		return e.mapValue(x)
	case *Set:
		if x == nil {
			e.buf = append(e.buf, '0')
			return nil
		}
		if e.id(x) {
			return nil
		}
		return e.setValue(x)
	case *ArrayBuffer:
		if x == nil {
			e.buf = append(e.buf, '0')
			return nil
		}
		if e.id(x) {
			return nil
		}
		switch {
		case x.Resizable && x.Immutable:
			return &UnsupportedValueError{x, "ArrayBuffer both resizable and immutable"}
		case x.Immutable:
			e.buf = append(e.buf, 'C')
			e.varint(uint64(len(x.Bytes)))
		case x.Resizable:
			if x.MaxByteLength < uint64(len(x.Bytes)) {
				return &UnsupportedValueError{x, "resizable ArrayBuffer longer than MaxByteLength"}
			}
			if x.MaxByteLength > math.MaxUint32 {
				// Format 15 readers take the maximum as 32 bits.
				return &UnsupportedValueError{x, "resizable ArrayBuffer MaxByteLength over 2^32-1 needs format 16, which no supported Node reads"}
			}
			e.buf = append(e.buf, '~')
			e.varint(uint64(len(x.Bytes)))
			e.varint(x.MaxByteLength)
		default:
			e.buf = append(e.buf, 'B')
			e.varint(uint64(len(x.Bytes)))
		}
		e.buf = append(e.buf, x.Bytes...)
	case *TypedArray:
		if x == nil {
			e.buf = append(e.buf, '0')
			return nil
		}
		if x.Type >= numViewTypes {
			return &UnsupportedValueError{x, "unknown ArrayBufferView type"}
		}
		if e.id(x) {
			return nil
		}
		e.hostView(x.Type, x.Bytes)
	case *HostObject:
		if x == nil {
			e.buf = append(e.buf, '0')
			return nil
		}
		if e.id(x) {
			return nil
		}
		if err := e.enter(); err != nil {
			return err
		}
		e.buf = append(e.buf, '\\', 1)
		if err := e.value(x.Value); err != nil {
			return err
		}
		e.depth--
	case *Error:
		if x == nil {
			e.buf = append(e.buf, '0')
			return nil
		}
		if e.id(x) {
			return nil
		}
		return e.errorValue(x)
	case *Boxed:
		if x == nil {
			e.buf = append(e.buf, '0')
			return nil
		}
		if e.id(x) {
			return nil
		}
		return e.boxed(x)
	case Hole:
		return &UnsupportedValueError{x, "array hole outside a dense array"}
	case map[string]any:
		return e.stringMap(x)
	case []any:
		if x == nil {
			e.buf = append(e.buf, '0')
			return nil
		}
		e.id(nil)
		return e.slice(x)
	default:
		return e.reflectValue(v)
	}
	return nil
}

func (e *encoder) hostView(t ViewType, b []byte) {
	e.buf = append(e.buf, '\\', 0, byte(t))
	e.varint(uint64(len(b)))
	e.buf = append(e.buf, b...)
}

func (e *encoder) object(o *Object) error {
	if err := e.enter(); err != nil {
		return err
	}
	e.buf = append(e.buf, 'o')
	if err := e.props(o.Props); err != nil {
		return err
	}
	e.buf = append(e.buf, '{')
	e.varint(uint64(len(o.Props)))
	e.depth--
	return nil
}

func (e *encoder) array(a *Array) error {
	if err := e.enter(); err != nil {
		return err
	}
	if a.Sparse {
		e.buf = append(e.buf, 'a')
		e.varint(uint64(a.Length))
		if err := e.props(a.Props); err != nil {
			return err
		}
		e.buf = append(e.buf, '@')
		e.varint(uint64(len(a.Props)))
		e.varint(uint64(a.Length))
	} else {
		if uint64(len(a.Elements)) > math.MaxUint32 {
			return &UnsupportedValueError{a, "array too long"}
		}
		e.buf = append(e.buf, 'A')
		e.varint(uint64(len(a.Elements)))
		for _, el := range a.Elements {
			if _, ok := el.(Hole); ok {
				e.buf = append(e.buf, '-')
				continue
			}
			if err := e.value(el); err != nil {
				return err
			}
		}
		if err := e.props(a.Props); err != nil {
			return err
		}
		e.buf = append(e.buf, '$')
		e.varint(uint64(len(a.Props)))
		e.varint(uint64(len(a.Elements)))
	}
	e.depth--
	return nil
}

func (e *encoder) slice(s []any) error {
	if err := e.enter(); err != nil {
		return err
	}
	e.buf = append(e.buf, 'A')
	e.varint(uint64(len(s)))
	for _, el := range s {
		if err := e.value(el); err != nil {
			return err
		}
	}
	e.buf = append(e.buf, '$', 0)
	e.varint(uint64(len(s)))
	e.depth--
	return nil
}

func (e *encoder) mapValue(m *Map) error {
	if err := e.enter(); err != nil {
		return err
	}
	e.buf = append(e.buf, ';')
	for _, en := range m.Entries {
		if err := e.value(en.Key); err != nil {
			return err
		}
		if err := e.value(en.Value); err != nil {
			return err
		}
	}
	e.buf = append(e.buf, ':')
	e.varint(2 * uint64(len(m.Entries)))
	e.depth--
	return nil
}

func (e *encoder) setValue(s *Set) error {
	if err := e.enter(); err != nil {
		return err
	}
	e.buf = append(e.buf, '\'')
	for _, v := range s.Values {
		if err := e.value(v); err != nil {
			return err
		}
	}
	e.buf = append(e.buf, ',')
	e.varint(uint64(len(s.Values)))
	e.depth--
	return nil
}

func (e *encoder) errorValue(x *Error) error {
	if err := e.enter(); err != nil {
		return err
	}
	e.buf = append(e.buf, 'r')
	if t := errorProtoTag(x.Name); t != 0 {
		e.buf = append(e.buf, t)
	}
	if x.HasMessage {
		e.buf = append(e.buf, 'm')
		e.stringOrRaw(x.Message, x.rawMessage)
	}
	writeStack := func() {
		if x.HasStack {
			e.buf = append(e.buf, 's')
			e.stringOrRaw(x.Stack, x.rawStack)
		}
	}
	if !(x.CauseFirst && x.HasCause) {
		writeStack()
	}
	if x.HasCause {
		e.buf = append(e.buf, 'c')
		if err := e.value(x.Cause); err != nil {
			return err
		}
	}
	if x.CauseFirst && x.HasCause {
		writeStack()
	}
	e.buf = append(e.buf, '.')
	e.depth--
	return nil
}

func (e *encoder) boxed(b *Boxed) error {
	switch v := b.Value.(type) {
	case bool:
		if v {
			e.buf = append(e.buf, 'y')
		} else {
			e.buf = append(e.buf, 'x')
		}
	case float64:
		e.buf = append(e.buf, 'n')
		e.rawDouble(v)
	case Double:
		e.buf = append(e.buf, 'n')
		e.rawDouble(float64(v))
	case int:
		e.buf = append(e.buf, 'n')
		e.rawDouble(float64(v))
	case string:
		e.buf = append(e.buf, 's')
		e.string(v)
	case UTF16String:
		e.buf = append(e.buf, 's')
		e.utf16(v)
	case *big.Int:
		if v == nil {
			return &UnsupportedValueError{b, "nil *big.Int in Boxed"}
		}
		e.buf = append(e.buf, 'z')
		e.bigint(v)
	default:
		return &UnsupportedValueError{b, "Boxed holds a value that is not a primitive"}
	}
	return nil
}
