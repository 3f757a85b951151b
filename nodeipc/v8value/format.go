package v8value

import (
	"encoding/binary"
	"fmt"
	"math"
	"math/big"
	"strconv"
	"strings"
	"unicode/utf16"
	"unicode/utf8"
)

// Format returns v, a value in the generic representation Decode returns,
// as one line of JavaScript-like text in the style of Node's util.inspect:
// strings in single quotes, { key: value } objects, [ … ] arrays with
// <N empty items> for holes, Dates as ISO 8601 strings (Invalid Date),
// /source/flags, Map(n) { k => v }, Set(n) { … }, <Buffer 68 69>,
// Uint16Array(2) [ 1, 2 ], [Number: 3] for boxed primitives, 5n for
// BigInts and [RangeError: message] for errors. A value met again inside
// itself prints as [Circular]; values of other Go types print as
// fmt's %v does. Format is safe for concurrent use with any other reader
// of v.
func Format(v any) string {
	b, _ := AppendFormat(nil, v, 0)
	return string(b)
}

// AppendFormat appends Format's text for v to dst. When max > 0 it stops
// once the text reaches max bytes (at a character boundary), ends it with
// "…" and reports truncated: only the part of v that is printed is walked,
// so a large value costs what its first max bytes cost.
func AppendFormat(dst []byte, v any, max int) (out []byte, truncated bool) {
	f := formatter{b: dst, start: len(dst), max: max}
	f.value(v, 0)
	if f.full {
		f.b = append(f.b, "…"...)
	}
	return f.b, f.full
}

// String methods: fmt prints a decoded value with Format's text.

// String returns "undefined".
func (Undefined) String() string { return "undefined" }

// String returns "<empty>".
func (Hole) String() string { return "<empty>" }

// String returns the date in ISO 8601 (UTC, milliseconds), or "Invalid Date".
func (d *Date) String() string { return Format(d) }

// String returns Format's text for the object.
func (o *Object) String() string { return Format(o) }

// String returns Format's text for the array.
func (a *Array) String() string { return Format(a) }

// String returns the expression as /source/flags.
func (r *RegExp) String() string { return Format(r) }

// String returns Format's text for the map.
func (m *Map) String() string { return Format(m) }

// String returns Format's text for the set.
func (s *Set) String() string { return Format(s) }

// String returns Format's text for the buffer.
func (a *ArrayBuffer) String() string { return Format(a) }

// String returns Format's text for the view, e.g. <Buffer 68 69>.
func (t *TypedArray) String() string { return Format(t) }

// String returns Format's text for the boxed primitive, e.g. [Number: 3].
func (b *Boxed) String() string { return Format(b) }

// String returns Format's text for the host object.
func (h *HostObject) String() string { return Format(h) }

// formatMaxDepth is how deep Format descends before printing [Object].
const formatMaxDepth = 64

// formatMaxItems caps the elements of a typed array and the bytes of a
// buffer Format lists.
const formatMaxItems = 100

type formatter struct {
	b     []byte
	start int
	max   int
	full  bool
	path  []any // containers being printed, for [Circular]
}

func (f *formatter) str(s string) {
	if f.full {
		return
	}
	if f.max > 0 && len(f.b)-f.start+len(s) > f.max {
		room := f.max - (len(f.b) - f.start)
		for room > 0 && !utf8.RuneStart(s[room]) {
			room--
		}
		if room > 0 {
			f.b = append(f.b, s[:room]...)
		}
		f.full = true
		return
	}
	f.b = append(f.b, s...)
}

// room returns how many more bytes the text may take, or -1 for no limit.
func (f *formatter) room() int {
	if f.max <= 0 {
		return -1
	}
	return max(0, f.max-(len(f.b)-f.start))
}

// enter reports whether p may be printed (it is not already on the path)
// and pushes it; leave pops it.
func (f *formatter) enter(p any) bool {
	for _, q := range f.path {
		if q == p {
			f.str("[Circular]")
			return false
		}
	}
	f.path = append(f.path, p)
	return true
}

func (f *formatter) leave() { f.path = f.path[:len(f.path)-1] }

func (f *formatter) value(v any, depth int) {
	if f.full {
		return
	}
	switch x := v.(type) {
	case nil:
		f.str("null")
	case Undefined:
		f.str("undefined")
	case Hole:
		f.str("<empty>")
	case bool:
		f.str(strconv.FormatBool(x))
	case int:
		f.str(strconv.Itoa(x))
	case int32:
		f.str(strconv.FormatInt(int64(x), 10))
	case int64:
		f.str(strconv.FormatInt(x, 10))
	case uint32:
		f.str(strconv.FormatUint(uint64(x), 10))
	case Double:
		f.number(float64(x))
	case float64:
		f.number(x)
	case *big.Int:
		if x == nil {
			f.str("null")
			return
		}
		f.str(x.String() + "n")
	case string:
		f.quote(x)
	case UTF16String:
		f.quote16(x)
	case *Date:
		f.date(x)
	case *RegExp:
		f.str("/" + x.Source + "/" + x.FlagString())
	case *Error:
		f.errorValue(x, depth)
	case *Boxed:
		f.boxed(x, depth)
	case *TypedArray:
		f.typedArray(x)
	case *ArrayBuffer:
		switch {
		case x.Resizable:
			f.str("ArrayBuffer(" + strconv.Itoa(len(x.Bytes)) + ", resizable) ")
		case x.Immutable:
			f.str("ArrayBuffer(" + strconv.Itoa(len(x.Bytes)) + ", immutable) ")
		default:
			f.str("ArrayBuffer(" + strconv.Itoa(len(x.Bytes)) + ") ")
		}
		f.hex(x.Bytes)
	case *Object, *Array, *Map, *Set, *HostObject:
		f.container(x, depth)
	default:
		f.str(fmt.Sprintf("%v", v))
	}
}

func (f *formatter) number(x float64) {
	if x == 0 && math.Signbit(x) {
		f.str("-0")
		return
	}
	f.str(formatNumber(x))
}

// quote writes s in single quotes with JavaScript escapes.
func (f *formatter) quote(s string) {
	if f.full {
		return
	}
	if room := f.room(); room >= 0 && len(s) > room {
		s = s[:room+1] // the rest would be cut anyway
	}
	var b strings.Builder
	b.WriteByte('\'')
	for i, r := range s {
		if r == utf8.RuneError && !strings.HasPrefix(s[i:], "\uFFFD") {
			b.WriteString(`\ufffd`)
			continue
		}
		writeEscaped(&b, r)
	}
	b.WriteByte('\'')
	f.str(b.String())
}

// quote16 writes UTF-16 text, lone surrogates as \uXXXX.
func (f *formatter) quote16(s UTF16String) {
	if room := f.room(); room >= 0 && len(s) > room {
		s = s[:room+1] // the rest would be cut anyway
	}
	var b strings.Builder
	b.WriteByte('\'')
	for i := 0; i < len(s); i++ {
		c := rune(s[i])
		if utf16.IsSurrogate(c) {
			if c < 0xdc00 && i+1 < len(s) && s[i+1] >= 0xdc00 && s[i+1] < 0xe000 {
				writeEscaped(&b, utf16.DecodeRune(c, rune(s[i+1])))
				i++
				continue
			}
			fmt.Fprintf(&b, `\u%04X`, c)
			continue
		}
		writeEscaped(&b, c)
	}
	b.WriteByte('\'')
	f.str(b.String())
}

func writeEscaped(b *strings.Builder, r rune) {
	switch r {
	case '\'':
		b.WriteString(`\'`)
	case '\\':
		b.WriteString(`\\`)
	case '\n':
		b.WriteString(`\n`)
	case '\r':
		b.WriteString(`\r`)
	case '\t':
		b.WriteString(`\t`)
	case '\b':
		b.WriteString(`\b`)
	case '\f':
		b.WriteString(`\f`)
	case '\v':
		b.WriteString(`\v`)
	default:
		if r < 0x20 || r == 0x7f {
			fmt.Fprintf(b, `\x%02X`, r)
			return
		}
		b.WriteRune(r)
	}
}

func (f *formatter) date(d *Date) {
	if d == nil || !d.Valid() {
		f.str("Invalid Date")
		return
	}
	t := d.Time()
	if y := t.Year(); y < 0 || y > 9999 {
		f.str(fmt.Sprintf("%+07d", y) + t.Format("-01-02T15:04:05.000Z"))
		return
	}
	f.str(t.Format("2006-01-02T15:04:05.000Z"))
}

func (f *formatter) errorValue(e *Error, depth int) {
	if e == nil {
		f.str("null")
		return
	}
	f.str("[" + e.Error() + "]")
	if e.HasCause {
		if !f.enter(e) {
			return
		}
		f.str(" { [cause]: ")
		f.value(e.Cause, depth+1)
		f.str(" }")
		f.leave()
	}
}

func (f *formatter) boxed(x *Boxed, depth int) {
	if x == nil {
		f.str("null")
		return
	}
	kind := "Object"
	switch x.Value.(type) {
	case bool:
		kind = "Boolean"
	case float64, Double, int:
		kind = "Number"
	case string, UTF16String:
		kind = "String"
	case *big.Int:
		kind = "BigInt"
	}
	f.str("[" + kind + ": ")
	f.value(x.Value, depth+1)
	f.str("]")
}

// hex writes <01 02 …>, at most formatMaxItems bytes.
func (f *formatter) hex(p []byte) {
	var b strings.Builder
	b.WriteByte('<')
	for i, c := range p {
		if i == formatMaxItems {
			fmt.Fprintf(&b, " ... %d more bytes", len(p)-i)
			break
		}
		if i > 0 {
			b.WriteByte(' ')
		}
		fmt.Fprintf(&b, "%02x", c)
	}
	b.WriteByte('>')
	f.str(b.String())
}

func (f *formatter) typedArray(t *TypedArray) {
	if t == nil {
		f.str("null")
		return
	}
	switch t.Type {
	case Buffer:
		f.str("<Buffer ")
		h := formatter{max: 0}
		h.hex(t.Bytes)
		f.str(string(h.b[1:]))
		return
	case DataView:
		f.str("DataView(" + strconv.Itoa(len(t.Bytes)) + ") ")
		f.hex(t.Bytes)
		return
	}
	size := t.Type.ElementSize()
	n := len(t.Bytes) / size
	f.str(t.Type.String() + "(" + strconv.Itoa(n) + ") [")
	if n == 0 {
		f.str("]")
		return
	}
	for i := 0; i < n && !f.full; i++ {
		if i == formatMaxItems {
			f.str(", ... " + strconv.Itoa(n-i) + " more items")
			break
		}
		if i > 0 {
			f.str(",")
		}
		f.str(" " + viewElement(t.Type, t.Bytes[i*size:]))
	}
	f.str(" ]")
}

// viewElement formats the little-endian element at the start of p.
func viewElement(t ViewType, p []byte) string {
	le := binary.LittleEndian
	switch t {
	case Int8Array:
		return strconv.Itoa(int(int8(p[0])))
	case Uint8Array, Uint8ClampedArray:
		return strconv.Itoa(int(p[0]))
	case Int16Array:
		return strconv.Itoa(int(int16(le.Uint16(p))))
	case Uint16Array:
		return strconv.Itoa(int(le.Uint16(p)))
	case Int32Array:
		return strconv.Itoa(int(int32(le.Uint32(p))))
	case Uint32Array:
		return strconv.FormatUint(uint64(le.Uint32(p)), 10)
	case Float32Array:
		return jsNumber(float64(math.Float32frombits(le.Uint32(p))))
	case Float64Array:
		return jsNumber(math.Float64frombits(le.Uint64(p)))
	case BigInt64Array:
		return strconv.FormatInt(int64(le.Uint64(p)), 10) + "n"
	case BigUint64Array:
		return strconv.FormatUint(le.Uint64(p), 10) + "n"
	case Float16Array:
		return jsNumber(float16(le.Uint16(p)))
	}
	return "?"
}

func jsNumber(x float64) string {
	if x == 0 && math.Signbit(x) {
		return "-0"
	}
	return formatNumber(x)
}

// float16 converts an IEEE 754 half-precision value.
func float16(h uint16) float64 {
	sign := 1.0
	if h&0x8000 != 0 {
		sign = -1
	}
	exp := int(h>>10) & 0x1f
	frac := float64(h & 0x3ff)
	switch exp {
	case 0:
		return sign * math.Ldexp(frac, -24)
	case 0x1f:
		if frac != 0 {
			return math.NaN()
		}
		return math.Inf(int(sign))
	}
	return sign * math.Ldexp(1+frac/1024, exp-15)
}

func (f *formatter) container(v any, depth int) {
	if isNilPointer(v) {
		f.str("null")
		return
	}
	if depth >= formatMaxDepth {
		switch v.(type) {
		case *Array:
			f.str("[Array]")
		default:
			f.str("[Object]")
		}
		return
	}
	if !f.enter(v) {
		return
	}
	defer f.leave()
	switch x := v.(type) {
	case *Object:
		f.props("{", x.Props, "}", false, depth)
	case *HostObject:
		f.str("HostObject ")
		f.value(x.Value, depth+1)
	case *Map:
		f.str("Map(" + strconv.Itoa(len(x.Entries)) + ") {")
		for i, e := range x.Entries {
			if f.full {
				return
			}
			if i > 0 {
				f.str(",")
			}
			f.str(" ")
			f.value(e.Key, depth+1)
			f.str(" => ")
			f.value(e.Value, depth+1)
		}
		f.closeBrace(len(x.Entries) > 0, "}")
	case *Set:
		f.str("Set(" + strconv.Itoa(len(x.Values)) + ") {")
		for i, e := range x.Values {
			if f.full {
				return
			}
			if i > 0 {
				f.str(",")
			}
			f.str(" ")
			f.value(e, depth+1)
		}
		f.closeBrace(len(x.Values) > 0, "}")
	case *Array:
		f.array(x, depth)
	}
}

func isNilPointer(v any) bool {
	switch x := v.(type) {
	case *Object:
		return x == nil
	case *Array:
		return x == nil
	case *Map:
		return x == nil
	case *Set:
		return x == nil
	case *HostObject:
		return x == nil
	}
	return false
}

func (f *formatter) closeBrace(nonEmpty bool, close string) {
	if nonEmpty {
		f.str(" ")
	}
	f.str(close)
}

// props writes key: value pairs; after reports that items were written
// before them inside the same brackets.
func (f *formatter) props(open string, props []Property, close string, after bool, depth int) {
	if open != "" {
		f.str(open)
	}
	for i, p := range props {
		if f.full {
			return
		}
		if i > 0 || after {
			f.str(",")
		}
		f.str(" ")
		f.key(p.Key)
		f.str(": ")
		f.value(p.Value, depth+1)
	}
	if close != "" {
		f.closeBrace(len(props) > 0 || after, close)
	}
}

// key writes a property name bare when it is an identifier, else quoted.
func (f *formatter) key(k string) {
	ident := k != ""
	for i, r := range k {
		if !(r == '_' || r == '$' || r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || i > 0 && r >= '0' && r <= '9') {
			ident = false
			break
		}
	}
	if ident {
		f.str(k)
		return
	}
	f.quote(k)
}

func (f *formatter) array(a *Array, depth int) {
	f.str("[")
	n := 0 // items written
	holes := 0
	flush := func() {
		if holes == 0 {
			return
		}
		if n > 0 {
			f.str(",")
		}
		if holes == 1 {
			f.str(" <1 empty item>")
		} else {
			f.str(" <" + strconv.Itoa(holes) + " empty items>")
		}
		n++
		holes = 0
	}
	item := func(v any) {
		flush()
		if n > 0 {
			f.str(",")
		}
		f.str(" ")
		f.value(v, depth+1)
		n++
	}
	var named []Property
	if !a.Sparse {
		for _, e := range a.Elements {
			if f.full {
				return
			}
			if _, ok := e.(Hole); ok {
				holes++
				continue
			}
			item(e)
		}
		named = a.Props
	} else {
		next := uint64(0)
		for _, p := range a.Props {
			if f.full {
				return
			}
			i, err := strconv.ParseUint(p.Key, 10, 32)
			if err != nil || i >= uint64(a.Length) || i < next || strconv.FormatUint(i, 10) != p.Key {
				named = append(named, p)
				continue
			}
			holes += int(i - next)
			item(p.Value)
			next = i + 1
		}
		holes += int(uint64(a.Length) - min(next, uint64(a.Length)))
	}
	flush()
	f.props("", named, "", n > 0, depth)
	f.closeBrace(n > 0 || len(named) > 0, "]")
}
