package worker

import (
	"context"
	"errors"
	"fmt"
	"reflect"
	"runtime/debug"

	"github.com/nodeipc/nodeipc-go/nodeipc"
)

// Method answers one request: it decodes the params with call.Decode, may
// report progress with call.Progress, and returns the result (any value the
// channel can send; nil is sent as null) or an error. With
// Options.Concurrency above 1, methods run on several goroutines at once.
type Method func(ctx context.Context, call *Call) (any, error)

// Methods is a Handler that answers requests in the envelope described in
// the package documentation: {id, method, params} is answered with
// {id, result} or {id, error: {name, message}}, after any {id, progress}.
type Methods map[string]Method

// Error is an error a Method returns to choose the name of the error Node
// receives, and to attach data to it: {name, message, data}.
type Error struct {
	Name    string // the error's name ("Error" when empty)
	Message string
	Data    any   // sent as `data` when not nil
	Err     error // the cause, kept for errors.Is and errors.As (not sent)
}

// Unwrap returns the cause.
func (e *Error) Unwrap() error { return e.Err }

func (e *Error) Error() string {
	name := e.Name
	if name == "" {
		name = "Error"
	}
	return name + ": " + e.Message
}

// request is the envelope of a request.
type request struct {
	ID     any     `json:"id"`
	Method *string `json:"method"`
}

// The messages to Node, id first.
type (
	resultReply struct {
		ID     any `json:"id"`
		Result any `json:"result"`
	}
	errorReply struct {
		ID    any       `json:"id"`
		Error *replyErr `json:"error"`
	}
	progressReply struct {
		ID       any `json:"id"`
		Progress any `json:"progress"`
	}
)

type replyErr struct {
	Name    string `json:"name"`
	Message string `json:"message"`
	Data    any    `json:"data,omitempty"`
}

// ServeMessage answers one request. A message that is not a request (not an
// object with a string method) is returned as an error, and its handle
// closed.
func (ms Methods) ServeMessage(ctx context.Context, ch *nodeipc.Channel, m *nodeipc.Message) error {
	var req request
	if err := m.Decode(&req); err != nil || req.Method == nil {
		closeHandle(m)
		return fmt.Errorf("worker: not a request ({id, method, params}): %s", m)
	}
	call := &Call{ID: req.ID, Method: *req.Method, ch: ch, m: m, ctx: ctx}
	f, ok := ms[call.Method]
	var result any
	var err error
	if !ok {
		closeHandle(m)
		err = &Error{Name: "MethodNotFound", Message: fmt.Sprintf("unknown method %q", call.Method)}
	} else {
		result, err = callMethod(ctx, f, call)
	}
	if err != nil {
		return call.send(ctx, errorReply{call.ID, toReplyErr(err)})
	}
	return call.send(ctx, resultReply{call.ID, result})
}

func callMethod(ctx context.Context, f Method, call *Call) (result any, err error) {
	defer func() {
		if r := recover(); r != nil {
			err = &Error{Name: "Panic", Message: fmt.Sprint(r), Data: string(debug.Stack())}
		}
	}()
	return f(ctx, call)
}

func toReplyErr(err error) *replyErr {
	var e *Error
	if errors.As(err, &e) {
		name := e.Name
		if name == "" {
			name = "Error"
		}
		return &replyErr{Name: name, Message: e.Message, Data: e.Data}
	}
	return &replyErr{Name: "Error", Message: err.Error()}
}

// Call is one request being answered by a Method. It is safe for concurrent
// use.
type Call struct {
	// ID is the request's id as decoded: a float64 or a string (in advanced
	// mode a BigInt id is a *big.Int). Replies carry it back unchanged.
	ID any
	// Method is the method's name.
	Method string

	ch  *nodeipc.Channel
	m   *nodeipc.Message
	ctx context.Context
}

// Decode decodes the request's params into v, a non-nil pointer, with the
// rules of nodeipc.Message.Decode. Absent params decode as null. A failure
// is an *Error named "InvalidParams" wrapping the
// *nodeipc.DecodeError; returned as is by a Method, Node gets that name.
func (c *Call) Decode(v any) error {
	rv := reflect.ValueOf(v)
	if rv.Kind() != reflect.Pointer || rv.IsNil() {
		return &Error{Name: "InvalidParams", Message: fmt.Sprintf("Decode needs a non-nil pointer, not %T", v)}
	}
	// Decode the whole message into {params: *v}: one decoder call, the
	// same rules as for the message itself, in either serialization.
	wrapper := reflect.New(reflect.StructOf([]reflect.StructField{{
		Name: "Params",
		Type: rv.Type(),
		Tag:  `json:"params"`,
	}}))
	p := wrapper.Elem().Field(0)
	p.Set(rv)
	if err := c.m.Decode(wrapper.Interface()); err != nil {
		return &Error{Name: "InvalidParams", Message: err.Error(), Err: err}
	}
	if !p.IsNil() && p.Pointer() != rv.Pointer() {
		rv.Elem().Set(p.Elem()) // a decoder that allocated a new value
	}
	return nil
}

// Message returns the request message: its handle, if any, belongs to the
// Method, which must close it.
func (c *Call) Message() *nodeipc.Message { return c.m }

// Channel returns the channel the request came on.
func (c *Call) Channel() *nodeipc.Channel { return c.ch }

// Progress sends {id, progress: v} to the requester, before the reply. It
// waits while the peer does not read (as nodeipc.Channel.Send does), and
// fails when the request's context ends or the channel is closed.
func (c *Call) Progress(v any) error {
	return c.send(c.ctx, progressReply{c.ID, v})
}

func (c *Call) send(ctx context.Context, v any) error {
	return c.ch.Send(ctx, v)
}
