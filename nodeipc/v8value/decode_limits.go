package v8value

import (
	"math/big"
	"slices"
)

// Limits and checks the decoder and the scanner share.

// maxVersion is the newest serializer format version the decoder reads.
// Format 16 (V8 14.9 and later: Deno 2.9, Node 27) differs from 15 only in
// the width of ArrayBuffer and ArrayBufferView lengths and offsets (see
// reader.bufferLength; views are refused in every format); Marshal still
// writes [Version], which every supported Node release reads.
const maxVersion = 16

// initialElements is the capacity a dense array starts with when it
// cannot reserve its declared length.
const initialElements = 16

// reserve returns the capacity a dense array of declared length n may
// allocate before its elements arrive. Every reserved slot needs at least
// one byte of the remaining input, so the slots reserved by all arrays
// being read together never exceed it: nested arrays that each announce
// the whole remaining input get only what their elements fill. The caller
// gives the reservation back (r.reserved -= reserved) when its elements
// are read.
func (r *reader) reserve(n int) (capacity, reserved int) {
	if n <= initialElements || r.reserved+n > len(r.data)-r.pos {
		return min(n, initialElements), 0
	}
	r.reserved += n
	return n, n
}

// growElements doubles the capacity of a full element slice, up to the
// declared length n (append's growth for large slices is 1.25×, which
// allocates about five times the final size along the way).
func growElements(e []any, n int) []any {
	g := make([]any, len(e), min(max(2*cap(e), initialElements), n))
	copy(g, e)
	return g
}

// linearKeys is the property count up to which duplicates are found by
// comparing every pair.
const linearKeys = 16

// propsRepeat reports whether two properties share a key, which V8's
// deserializer rejects (a number key and its string form name the same
// property).
func propsRepeat(props []Property) bool {
	if len(props) <= linearKeys {
		for i := 1; i < len(props); i++ {
			for j := 0; j < i; j++ {
				if props[i].Key == props[j].Key {
					return true
				}
			}
		}
		return false
	}
	keys := make([]string, len(props))
	for i := range props {
		keys[i] = props[i].Key
	}
	return keysRepeat(keys)
}

// keysRepeat reports whether keys holds a string twice; it reorders keys.
func keysRepeat(keys []string) bool {
	if len(keys) <= linearKeys {
		for i := 1; i < len(keys); i++ {
			for j := 0; j < i; j++ {
				if keys[i] == keys[j] {
					return true
				}
			}
		}
		return false
	}
	slices.Sort(keys)
	for i := 1; i < len(keys); i++ {
		if keys[i] == keys[i-1] {
			return true
		}
	}
	return false
}

// isPrimitive reports whether a decoded value is a JavaScript primitive.
// V8 requires a host object's reader to return an object.
func isPrimitive(v any) bool {
	switch v.(type) {
	case nil, Undefined, bool, int, Double, string, UTF16String, *big.Int:
		return true
	}
	return false
}
