// Package v8value implements the V8 ValueSerializer wire format as used by
// Node.js child_process IPC in `serialization: 'advanced'` mode.
//
// The package is pure: it converts between bytes and Go values and never
// touches sockets. A payload is the header `FF <varint version>` followed by
// exactly one V8 value; the 4-byte big-endian length prefix of an IPC frame is
// the caller's business.
//
// # Generic representation
//
// [Decode] returns values built from these Go types, chosen so that
// re-encoding a decoded value with [Marshal] reproduces the bytes Node wrote:
//
//	V8 tag                       Go value
//	_  undefined                 Undefined{}
//	-  hole (dense arrays only)   Hole{} (an element of (*Array).Elements)
//	0  null                      nil
//	T/F                          bool
//	I  int32                     int
//	U  uint32                    int
//	N  double                    Double (always re-encoded as N)
//	Z  BigInt                    *big.Int
//	"  one-byte string           string (UTF-8)
//	c  two-byte string           string, or UTF16String when the text is all
//	                             ≤ U+00FF (V8 wrote it two-byte anyway) or
//	                             contains lone surrogates
//	S  UTF-8 string              string
//	o  object                    *Object (ordered properties)
//	A/a dense/sparse array       *Array
//	D  Date                      *Date
//	y/x/n/z/s boxed primitive    *Boxed
//	R  RegExp                    *RegExp
//	;  Map                       *Map (ordered entries, any keys)
//	'  Set                       *Set
//	B/~/C ArrayBuffer            *ArrayBuffer (~ resizable, C immutable)
//	\  host object kind 0        *TypedArray (Buffer, Uint8Array, DataView, …)
//	\  host object kind 1        *HostObject
//	r  Error                     *Error
//	^  back-reference            the same pointer as the referenced value
//
// Shared and cyclic structures decode to shared and cyclic pointers and are
// re-encoded as back-references.
//
// # Encoding Go values
//
// [Marshal] also accepts ordinary Go values: nil → null, bool, every integer
// kind (int32 range → I, otherwise N; integers beyond ±2^53 lose precision
// exactly as they would in JavaScript), float32/float64 (I when integral,
// within int32 range and not -0, like V8's Smi rule; otherwise N), string
// (one-byte when every code point ≤ U+00FF, else two-byte with V8's alignment
// padding; invalid UTF-8 becomes U+FFFD), []byte → Node Buffer, slices and
// arrays → dense arrays, maps with string or integer keys → objects (keys in
// JavaScript property order: array-index keys ascending, then the other keys
// sorted), structs → objects (encoding/json field rules; a `v8:"name"` tag
// takes precedence over the `json` tag), time.Time → Date, *big.Int → BigInt,
// pointers (nil → null) and encoding.TextMarshaler → string. Repeated pointers,
// maps and package reference types are written as back-references, so cyclic
// Go graphs encode; other runaway recursion stops at [MaxDepth].
//
// # Memory and limits
//
// Declared lengths only bound allocation by the remaining input: a dense
// array reserves its announced length only while the reservations of all
// arrays being read fit in the bytes left, and otherwise grows by doubling
// as elements arrive. Decode's result costs what its values cost: 8 to 40
// bytes per payload byte for ordinary data, at most about 190 for the
// worst shape (a Set of one-byte boxed booleans). Unmarshal adds the Go
// target; it never expands a sparse array beyond
// [Decoder.MaxSparseLength] (a [*SparseArrayError] instead) and builds the
// path of a value only when it reports an error. [Validate] and
// [Decoder.Scan] apply the decoder's rules without building values: a bit
// per object id, 16 bytes per property key of the objects being read, and
// the nesting.
//
// The decoder refuses what the deserializer of every supported Node
// release refuses: format versions other than 13–16, duplicate property
// keys (1 and "1" are the same key), a dense array's property naming one
// of its elements, a host object around a primitive, RegExp flags V8 does
// not know or needs an option for (linear, 0x40), u with v, and RegExp
// sources that do not compile (the ECMAScript pattern grammar as V8
// applies it; Unicode property values are not checked). Where releases
// differ it accepts what a supported release writes: the v flag (Node
// 20+), modifier groups and repeated group names (Node 24+), Float16Array
// (Node 24+), resizable ArrayBuffers (Node 20+), immutable ArrayBuffers
// (Node 26+), any order of an Error's fields (Node 18 and 20; Node 22+
// want message, stack, cause).
//
// # Format versions
//
// Decode, Unmarshal, Validate and Scan read formats 13 to 16; Marshal
// writes 15 ([Version]), which every supported Node release and Deno
// read. V8 14.9 and later write 16 (Deno 2.9 on an advanced IPC channel,
// Node 27 next). V8's src/objects/value-serializer.cc describes version
// 16 as: ArrayBuffer and ArrayBufferView lengths and offsets are no
// longer truncated to 32 bits but written as full size_t values, the
// deserializer reads 64-bit values even on 32-bit machines, and a
// resizable ArrayBuffer may have a maximum over 4 GB. Nothing else in
// the format changed, and what the codec does with each point:
//
//   - The byte length of an ArrayBuffer (tags B, C and ~) and the maximum
//     of a resizable one are 64-bit varints in format 16 and are read as
//     such; up to format 15 a value over 2^32-1 is refused with
//     [ErrBadLength] (V8 15 silently drops the extra bits). V8's writer
//     still refuses a buffer longer than 2^32-1 bytes, so only a
//     resizable buffer's maximum can actually differ from format 15.
//     Marshal refuses such a maximum ([*UnsupportedValueError]): Node 26
//     and earlier read it as 32 bits.
//   - The byte offset and length of an ArrayBufferView (tag V after its
//     buffer) are 64-bit too. The codec refuses tag V in every format
//     ([ErrBadTag]): Node and Deno write views as host objects, whose
//     layout (kind, type index, 32-bit byte length, bytes) is Node's own
//     and did not change.
//   - Strings, array lengths, property counts, back-reference ids, BigInt
//     bit fields, RegExp flags, Error sub-tags and host objects stay
//     32-bit and unchanged; a wider value is refused in format 16 as in
//     15.
//
// V8 reads these lengths as 64-bit in every format version, with no check
// of the version; the header itself is refused above the newest version
// it knows. Independent of the version, newer V8s (Node 26's 14.6
// already) read tag C, an immutable ArrayBuffer
// (ArrayBuffer.prototype.transferToImmutable) laid out like B: Node 26
// reads it and writes it under format 15 when
// immutable buffers are enabled (--js-immutable-arraybuffer); Node 18 to
// 24 refuse it. The codec reads it in every format as an [*ArrayBuffer]
// with Immutable set, and Marshal writes it back as C.
//
// A value decoded from a format-16 payload re-encodes with the header
// FF 0F and otherwise the same bytes.
//
// Functions, channels, unsafe pointers and complex numbers cannot be encoded
// and yield an *UnsupportedTypeError (Node: DataCloneError). Node's send-side
// argument checks on the top-level value are available as [CheckTopLevel].
package v8value
