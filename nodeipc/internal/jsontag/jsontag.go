// Package jsontag holds the rules of encoding/json's struct tags that both
// of nodeipc's encoders apply to Go structs: the JSON one (package
// internal/jsonx) and the V8 one (package v8value). It imports nothing of
// nodeipc, so either can use it.
package jsontag

import "reflect"

// Empty reports whether v is empty by encoding/json's omitempty rule: false,
// 0, a nil pointer or interface, and an array, map, slice or string of
// length 0. A struct is never empty.
func Empty(v reflect.Value) bool {
	switch v.Kind() {
	case reflect.Array, reflect.Map, reflect.Slice, reflect.String:
		return v.Len() == 0
	case reflect.Bool, reflect.Int, reflect.Int8, reflect.Int16, reflect.Int32, reflect.Int64,
		reflect.Uint, reflect.Uint8, reflect.Uint16, reflect.Uint32, reflect.Uint64, reflect.Uintptr,
		reflect.Float32, reflect.Float64, reflect.Interface, reflect.Pointer:
		return v.IsZero()
	}
	return false
}
