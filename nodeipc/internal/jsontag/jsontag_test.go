package jsontag

import (
	"encoding/json"
	"math"
	"reflect"
	"testing"
)

// TestEmptyAsEncodingJSON: Empty drops exactly the fields encoding/json's
// omitempty drops, for a value of every kind.
func TestEmptyAsEncodingJSON(t *testing.T) {
	var nilPtr *int
	one := 1
	for _, v := range []any{
		false, true, 0, 1, int8(0), int64(-1), uint(0), uintptr(1), 0.0, math.Copysign(0, -1), float32(0.5),
		"", "x", []int(nil), []int{}, []int{0}, map[string]int{}, map[string]int{"a": 0},
		[0]int{}, [1]int{}, nilPtr, &one, struct{}{}, struct{ A int }{},
		complex(0, 0), make(chan int), (func())(nil),
	} {
		typ := reflect.StructOf([]reflect.StructField{{Name: "F", Type: reflect.TypeOf(v), Tag: `json:",omitempty"`}})
		s := reflect.New(typ).Elem()
		s.Field(0).Set(reflect.ValueOf(v))
		b, err := json.Marshal(s.Interface())
		// encoding/json fails on a kind it cannot write (complex, chan,
		// func) only when it did not omit the field.
		want := err == nil && string(b) == "{}"
		if got := Empty(s.Field(0)); got != want {
			t.Errorf("Empty(%T %v) = %v, encoding/json writes %s (error %v)", v, v, got, b, err)
		}
	}
}
