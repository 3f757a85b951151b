package nodeipc

import (
	"errors"
	"reflect"
	"strings"

	"github.com/nodeipc/nodeipc-go/nodeipc/internal/jsonx"
	"github.com/nodeipc/nodeipc-go/nodeipc/v8value"
)

// DecodeError reports that Message.Decode could not store the message in
// the value it was given, in either serialization: one type to test for
// with errors.As. Err is the decoder's own error (for a type mismatch a
// *json.UnmarshalTypeError of github.com/goccy/go-json in JSON mode, a
// *v8value.UnmarshalTypeError in advanced mode), so errors.As reaches it
// too.
type DecodeError struct {
	// Serialization is the message's encoding.
	Serialization Serialization
	// Value describes what the message holds where decoding failed, such as
	// "string" or "number 1.5", when the failure is a type mismatch.
	Value string
	// Type is the Go type that could not hold it, or nil when the failure is
	// not a type mismatch (an invalid target, a sparse array too long).
	Type reflect.Type
	// Path locates the value in the message (".job.n", or "" for the whole
	// message), when the decoder reports it. In JSON mode it names struct
	// fields only.
	Path string
	// Err is the decoder's error.
	Err error
}

func (e *DecodeError) Error() string {
	msg := strings.TrimPrefix(e.Err.Error(), "nodeipc: ")
	return "nodeipc: decode " + e.Serialization.String() + " message: " + msg
}

func (e *DecodeError) Unwrap() error { return e.Err }

func newDecodeError(mode Serialization, err error) *DecodeError {
	e := &DecodeError{Serialization: mode, Err: err}
	var jt *jsonx.UnmarshalTypeError
	var vt *v8value.UnmarshalTypeError
	switch {
	case errors.As(err, &vt):
		e.Value, e.Type, e.Path = vt.Value, vt.Type, vt.Path
	case errors.As(err, &jt):
		e.Value, e.Type = jt.Value, jt.Type
		if jt.Field != "" {
			e.Path = "." + jt.Field
		}
	}
	var sp *v8value.SparseArrayError
	if errors.As(err, &sp) {
		e.Path = sp.Path
	}
	return e
}
