package v8value

import (
	"math"
	"time"
	"unicode/utf16"
)

// Undefined is the JavaScript value undefined.
type Undefined struct{}

// Hole is an array gap; it is only valid as an element of a dense *Array.
type Hole struct{}

// Double is a JavaScript number that is always written as a V8 double (tag N),
// even when it is integral. Decode returns Double for every N-tagged number.
type Double float64

// UTF16String is a JavaScript string kept as raw UTF-16 code units. It is
// always written as a two-byte string and can hold lone surrogates. Decode
// returns it for two-byte strings that a Go string would not reproduce.
type UTF16String []uint16

// String returns the text as UTF-8; lone surrogates become U+FFFD.
func (s UTF16String) String() string { return string(utf16.Decode(s)) }

// Property is one own enumerable property of an object or array.
type Property struct {
	// Key is the property name as JavaScript sees it. Number-typed keys are
	// converted with JavaScript's Number-to-String rules.
	Key   string
	Value any
	// raw is the key exactly as decoded (int, Double, UTF16String, or a string
	// read from an S tag); it is reused when encoding as long as it still
	// names Key.
	raw any
}

// Object is a plain JavaScript object with its properties in order. Marshal
// writes the properties in the stored order.
type Object struct {
	Props []Property
}

// Get returns the value of the first property named key.
func (o *Object) Get(key string) (any, bool) {
	for i := range o.Props {
		if o.Props[i].Key == key {
			return o.Props[i].Value, true
		}
	}
	return nil, false
}

// Set replaces the value of property key, or appends a new property.
func (o *Object) Set(key string, v any) {
	for i := range o.Props {
		if o.Props[i].Key == key {
			o.Props[i].Value = v
			return
		}
	}
	o.Props = append(o.Props, Property{Key: key, Value: v})
}

// Array is a JavaScript array. A dense array (V8 tag A) has exactly Length
// Elements (Hole{} marks gaps) plus optional extra named Props; a sparse array
// (tag a) has no Elements and lists every property, index keys included, in
// Props.
type Array struct {
	Length   uint32
	Sparse   bool
	Elements []any
	Props    []Property
}

// NewArray returns a dense array holding elems.
func NewArray(elems ...any) *Array {
	return &Array{Length: uint32(len(elems)), Elements: elems}
}

// Date is a JavaScript Date: milliseconds since the Unix epoch, NaN when invalid.
type Date struct {
	Ms float64
}

// NewDate converts t (truncated to milliseconds) to a Date.
func NewDate(t time.Time) *Date { return &Date{Ms: float64(t.UnixMilli())} }

// Valid reports whether the date is not an Invalid Date.
func (d *Date) Valid() bool { return !math.IsNaN(d.Ms) && math.Abs(d.Ms) <= 8.64e15 }

// Time converts the date to a time.Time in UTC; invalid dates give the zero Time.
func (d *Date) Time() time.Time {
	if !d.Valid() {
		return time.Time{}
	}
	return time.UnixMilli(int64(d.Ms)).UTC()
}

// RegExp flag bits as V8 serializes them.
const (
	FlagGlobal      = 1 << 0 // g
	FlagIgnoreCase  = 1 << 1 // i
	FlagMultiline   = 1 << 2 // m
	FlagSticky      = 1 << 3 // y
	FlagUnicode     = 1 << 4 // u
	FlagDotAll      = 1 << 5 // s
	FlagLinear      = 1 << 6 // l (needs a V8 flag)
	FlagHasIndices  = 1 << 7 // d
	FlagUnicodeSets = 1 << 8 // v (rejected by Node 18)
	regexpFlagMask  = 1<<9 - 1
)

// RegExp is a JavaScript regular expression.
type RegExp struct {
	Source string
	Flags  uint32 // Flag* bits
	raw    UTF16String
}

// FlagString returns the flags in JavaScript's canonical order ("dgimsuvy").
func (r *RegExp) FlagString() string {
	const order = "dgilmsuvy"
	bits := [...]uint32{FlagHasIndices, FlagGlobal, FlagIgnoreCase, FlagLinear, FlagMultiline, FlagDotAll, FlagUnicode, FlagUnicodeSets, FlagSticky}
	var b []byte
	for i, f := range bits {
		if r.Flags&f != 0 {
			b = append(b, order[i])
		}
	}
	return string(b)
}

// MapEntry is one key/value pair of a Map.
type MapEntry struct {
	Key, Value any
}

// Map is a JavaScript Map with its entries in insertion order.
type Map struct {
	Entries []MapEntry
}

// Set is a JavaScript Set with its values in insertion order.
type Set struct {
	Values []any
}

// ArrayBuffer is a JavaScript ArrayBuffer (tag B), a resizable one (tag ~)
// when Resizable is set, or an immutable one (tag C, what
// ArrayBuffer.prototype.transferToImmutable returns) when Immutable is set.
// A buffer is never both: Marshal refuses that.
type ArrayBuffer struct {
	Bytes         []byte
	Resizable     bool
	MaxByteLength uint64 // only for resizable buffers
	Immutable     bool
}

// ViewType is the Node host-object type index of an ArrayBufferView.
type ViewType uint8

// The ArrayBufferView types Node's IPC serializer knows, by type index.
const (
	Int8Array ViewType = iota
	Uint8Array
	Uint8ClampedArray
	Int16Array
	Uint16Array
	Int32Array
	Uint32Array
	Float32Array
	Float64Array
	DataView
	Buffer // Node's Buffer (a Uint8Array whose constructor is Buffer)
	BigInt64Array
	BigUint64Array
	Float16Array // Node 24+ only
	numViewTypes
)

var viewTypeNames = [...]string{"Int8Array", "Uint8Array", "Uint8ClampedArray", "Int16Array", "Uint16Array", "Int32Array", "Uint32Array", "Float32Array", "Float64Array", "DataView", "Buffer", "BigInt64Array", "BigUint64Array", "Float16Array"}

var viewTypeSizes = [...]uint8{1, 1, 1, 2, 2, 4, 4, 4, 8, 1, 1, 8, 8, 2}

// String returns the JavaScript constructor name.
func (t ViewType) String() string {
	if t < numViewTypes {
		return viewTypeNames[t]
	}
	return "ViewType(?)"
}

// ElementSize returns BYTES_PER_ELEMENT (1 for DataView and Buffer).
func (t ViewType) ElementSize() int {
	if t < numViewTypes {
		return int(viewTypeSizes[t])
	}
	return 1
}

// TypedArray is an ArrayBufferView (TypedArray, DataView or Buffer) as Node
// sends it: a host object holding only the view's bytes (little-endian elements).
type TypedArray struct {
	Type  ViewType
	Bytes []byte
}

// HostObject is a Node host object of kind 1: a plain copy of a native
// object's enumerable properties.
type HostObject struct {
	Value any
}

// Error is a JavaScript Error. Name selects the prototype: "EvalError",
// "RangeError", "ReferenceError", "SyntaxError", "TypeError", "URIError";
// anything else is written as a plain Error.
type Error struct {
	Name       string
	Message    string
	HasMessage bool
	Stack      string
	HasStack   bool
	Cause      any
	HasCause   bool
	// CauseFirst records that the cause was written before the stack (the
	// Node 18/20 order). Marshal honours it so decoded errors round-trip;
	// leave it false for the Node 22+ order that every Node version reads.
	CauseFirst bool

	rawMessage, rawStack UTF16String
}

// Error implements the error interface.
func (e *Error) Error() string {
	name := e.Name
	if name == "" {
		name = "Error"
	}
	if e.HasMessage && e.Message != "" {
		return name + ": " + e.Message
	}
	return name
}

// Boxed is a primitive wrapper object: new Boolean(b), new Number(n),
// new String(s) or Object(bigint). Value is a bool, a float64, a string (or
// UTF16String) or a *big.Int.
type Boxed struct {
	Value any
}

// errorProtoTag returns the V8 prototype sub-tag for Error.Name.
func errorProtoTag(name string) byte {
	switch name {
	case "EvalError":
		return 'E'
	case "RangeError":
		return 'R'
	case "ReferenceError":
		return 'F'
	case "SyntaxError":
		return 'S'
	case "TypeError":
		return 'T'
	case "URIError":
		return 'U'
	}
	return 0
}
