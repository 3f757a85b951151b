package v8value

import (
	"errors"
	"fmt"
	"reflect"
)

// Sentinel errors. A *SyntaxError wraps one of the decoding sentinels, so
// errors.Is(err, ErrTruncated) and friends work on the result of Decode.
var (
	// ErrBadVersion reports a missing header or a format version other than
	// 13–16: 13–15 as every supported Node writes (15 since Node 12), 16
	// as V8 14.9 and later write (Deno 2.9's IPC; Node 27).
	ErrBadVersion = errors.New("v8value: invalid or unsupported version")
	// ErrTruncated reports input that ends inside a value.
	ErrTruncated = errors.New("v8value: unexpected end of data")
	// ErrBadTag reports an unknown or misplaced tag.
	ErrBadTag = errors.New("v8value: invalid tag")
	// ErrBadLength reports a length or count field that is inconsistent with
	// the data (including lengths larger than the remaining input).
	ErrBadLength = errors.New("v8value: invalid length")
	// ErrBadReference reports a back-reference to an unknown id.
	ErrBadReference = errors.New("v8value: invalid back-reference")
	// ErrBadValue reports a structurally valid but semantically invalid value
	// (non-string object key, negative-zero BigInt, bad RegExp flags, …).
	ErrBadValue = errors.New("v8value: invalid value")
	// ErrTrailingData reports bytes after the top-level value.
	ErrTrailingData = errors.New("v8value: trailing data after value")
	// ErrMaxDepth reports nesting deeper than the configured maximum, while
	// decoding or encoding.
	ErrMaxDepth = errors.New("v8value: maximum nesting depth exceeded")

	// ErrMissingArgs mirrors Node's ERR_MISSING_ARGS: process.send(undefined).
	ErrMissingArgs = errors.New("v8value: top-level value is undefined (Node: ERR_MISSING_ARGS)")
	// ErrInvalidArgType mirrors Node's ERR_INVALID_ARG_TYPE for a top-level
	// value that is not a string, number, boolean, object or null (a BigInt).
	ErrInvalidArgType = errors.New("v8value: top-level value must not be a BigInt (Node: ERR_INVALID_ARG_TYPE)")
)

// SyntaxError describes malformed input found by the decoder.
type SyntaxError struct {
	Offset int   // byte offset in the payload where the problem was detected
	Err    error // one of the Err* sentinels
	Reason string
}

// Error implements the error interface.
func (e *SyntaxError) Error() string {
	return fmt.Sprintf("%v at offset %d: %s", e.Err, e.Offset, e.Reason)
}

// Unwrap returns the sentinel error.
func (e *SyntaxError) Unwrap() error { return e.Err }

// UnsupportedTypeError is returned by Marshal for Go values that have no V8
// representation (functions, channels, unsafe pointers, complex numbers, maps
// with unsupported key types). Node reports the equivalent as a DataCloneError.
type UnsupportedTypeError struct {
	Type   reflect.Type
	Reason string
}

// Error implements the error interface.
func (e *UnsupportedTypeError) Error() string {
	if e.Reason != "" {
		return fmt.Sprintf("v8value: cannot serialize %v: %s (DataCloneError)", e.Type, e.Reason)
	}
	return fmt.Sprintf("v8value: cannot serialize %v (DataCloneError)", e.Type)
}

// UnsupportedValueError is returned by Marshal for values of a supported type
// that cannot be written (a Hole outside an array, an invalid TypedArray type,
// a BigInt-free Boxed, …).
type UnsupportedValueError struct {
	Value  any
	Reason string
}

// Error implements the error interface.
func (e *UnsupportedValueError) Error() string {
	return "v8value: cannot serialize value: " + e.Reason
}

// UnmarshalTypeError reports a decoded value that cannot be stored in the
// requested Go type.
type UnmarshalTypeError struct {
	Value string       // description of the V8 value, e.g. "string", "number 1.5"
	Type  reflect.Type // Go type it could not be assigned to
	Path  string       // dotted path to the field, if known
}

// Error implements the error interface.
func (e *UnmarshalTypeError) Error() string {
	if e.Path != "" {
		return fmt.Sprintf("v8value: cannot unmarshal %s into Go value of type %v at %s", e.Value, e.Type, e.Path)
	}
	return fmt.Sprintf("v8value: cannot unmarshal %s into Go value of type %v", e.Value, e.Type)
}

// InvalidUnmarshalError reports a non-pointer or nil argument to Unmarshal.
type InvalidUnmarshalError struct {
	Type reflect.Type
}

// Error implements the error interface.
func (e *InvalidUnmarshalError) Error() string {
	if e.Type == nil {
		return "v8value: Unmarshal(nil)"
	}
	if e.Type.Kind() != reflect.Pointer {
		return "v8value: Unmarshal(non-pointer " + e.Type.String() + ")"
	}
	return "v8value: Unmarshal(nil " + e.Type.String() + ")"
}

// ErrSparseArray is wrapped by a *SparseArrayError.
var ErrSparseArray = errors.New("v8value: sparse array too long to expand")

// SparseArrayError reports a sparse array that Unmarshal would have to
// expand into a Go slice longer than Decoder.MaxSparseLength (and more than
// twice the elements it holds), or into an empty interface, whose []any is
// such a slice. Unmarshal into a map or a *Array keeps such an array sparse
// instead.
type SparseArrayError struct {
	Length  int    // the array's JavaScript length
	Extent  int    // the slice length it would need (highest index + 1)
	Present int    // index properties it actually holds
	Limit   int    // the decoder's MaxSparseLength
	Path    string // dotted path to the value, if known
}

// Error implements the error interface.
func (e *SparseArrayError) Error() string {
	s := fmt.Sprintf("v8value: sparse array of length %d with %d elements would expand to %d slice elements (limit %d)", e.Length, e.Present, e.Extent, e.Limit)
	if e.Path != "" {
		s += " at " + e.Path
	}
	return s
}

// Unwrap returns ErrSparseArray.
func (e *SparseArrayError) Unwrap() error { return ErrSparseArray }
