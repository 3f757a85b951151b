//go:build unix

package nodeipc_test

import (
	"errors"
	"reflect"
	"testing"

	"github.com/nodeipc/nodeipc-go/nodeipc"
	"github.com/nodeipc/nodeipc-go/nodeipc/v8value"
)

var errMarshal = errors.New("marshaler refused")

type badMarshaler struct{}

func (badMarshaler) MarshalJSON() ([]byte, error) { return nil, errMarshal }

// TestEncodeErrorKeepsCause: a JSON encoding failure wraps both
// ErrUnsupportedValue and the Marshaler's own error.
func TestEncodeErrorKeepsCause(t *testing.T) {
	a, _ := pair(t, nil)
	for _, v := range []any{badMarshaler{}, []any{1, badMarshaler{}}} {
		err := a.Send(ctxT(t), v)
		if !errors.Is(err, nodeipc.ErrUnsupportedValue) || !errors.Is(err, errMarshal) {
			t.Errorf("Send(%#v) = %v, want ErrUnsupportedValue wrapping the Marshaler's error", v, err)
		}
		if err := a.Post(v); !errors.Is(err, errMarshal) {
			t.Errorf("Post(%#v) = %v, want the Marshaler's error", v, err)
		}
	}
}

// TestDecodeErrorBothModes: a type mismatch and an invalid target are
// *DecodeError values in both serializations, wrapping the decoder's error.
func TestDecodeErrorBothModes(t *testing.T) {
	for _, mode := range []nodeipc.Serialization{nodeipc.JSON, nodeipc.Advanced} {
		a, b := pair(t, &nodeipc.Options{Serialization: mode})
		ctx := ctxT(t)
		if err := a.Send(ctx, map[string]any{"job": map[string]any{"n": "seven"}}); err != nil {
			t.Fatal(err)
		}
		m, err := b.Recv(ctx)
		if err != nil {
			t.Fatal(err)
		}
		var v struct{ Job struct{ N int } }
		err = m.Decode(&v)
		var de *nodeipc.DecodeError
		if !errors.As(err, &de) || de.Serialization != mode || de.Type != reflect.TypeFor[int]() || de.Value != "string" || de.Path != ".job.n" {
			t.Errorf("%v: %#v (%v)", mode, de, err)
		}
		if errors.Unwrap(err) == nil {
			t.Errorf("%v: %v wraps nothing", mode, err)
		}
		if mode == nodeipc.Advanced {
			var vt *v8value.UnmarshalTypeError
			if !errors.As(err, &vt) {
				t.Errorf("advanced: %v does not reach *v8value.UnmarshalTypeError", err)
			}
		}
		err = m.Decode(v) // not a pointer
		if !errors.As(err, &de) || de.Type != nil {
			t.Errorf("%v: Decode(non-pointer) = %v, want a *DecodeError", mode, err)
		}
	}
}
