// Command worker is a Go worker for workerpool's `workerType: 'process'`
// pools (started through forkOpts.execPath). It speaks the protocol of
// workerpool's own worker script over the channel:
//
//   - it sends 'ready' once it can take requests (the pool queues them
//     until then);
//   - a request {id, method, params} is answered with {id, result, error:
//     null}, or {id, result: null, error: {name, message}} for an unknown
//     method or bad params; 'methods' lists the methods (pool.proxy());
//   - a method may send events {id, isEvent: true, payload} before its
//     answer (exec's `on` option);
//   - the string '__workerpool-terminate__' makes it exit 0;
//   - {id, method: '__workerpool-cleanup__'} (sent after a task timed out or
//     was canceled) is answered with {id, method: '__workerpool-cleanup__',
//     error: null}.
//
// worker.Run opens the channel, and when serve returns it writes every
// message still queued before the process exits.
package main

import (
	"context"
	"errors"
	"fmt"
	"os"
	"sort"

	"github.com/nodeipc/nodeipc-go/nodeipc"
	"github.com/nodeipc/nodeipc-go/nodeipc/worker"
)

const (
	terminate = "__workerpool-terminate__"
	cleanup   = "__workerpool-cleanup__"
)

type request struct {
	ID     int       `json:"id"`
	Method string    `json:"method"`
	Params []float64 `json:"params"`
}

type response struct {
	ID     int      `json:"id"`
	Result any      `json:"result"`
	Error  *jsError `json:"error"`
}

type jsError struct {
	Name    string `json:"name"`
	Message string `json:"message"`
}

type event struct {
	ID      int  `json:"id"`
	IsEvent bool `json:"isEvent"`
	Payload any  `json:"payload"`
}

// methods are the worker's methods. emit sends an event for the request.
var methods = map[string]func(params []float64, emit func(any) error) (any, error){
	"add": func(p []float64, _ func(any) error) (any, error) {
		if len(p) != 2 {
			return nil, errors.New("add takes 2 numbers")
		}
		return p[0] + p[1], nil
	},
	"fib": func(p []float64, emit func(any) error) (any, error) {
		if len(p) != 1 || p[0] < 0 || p[0] > 90 {
			return nil, errors.New("fib takes one number in [0, 90]")
		}
		a, b := 0, 1
		for i := 0; i < int(p[0]); i++ {
			a, b = b, a+b
			if err := emit(map[string]int{"step": i + 1}); err != nil {
				return nil, err
			}
		}
		return a, nil
	},
}

func main() {
	os.Exit(worker.Run(func(ctx context.Context, ch *nodeipc.Channel) error {
		if err := ch.Send(ctx, "ready"); err != nil {
			return err
		}
		return worker.Serve(ctx, ch, worker.HandlerFunc(handle), nil)
	}, nil))
}

// handle answers one message of workerpool's protocol.
func handle(ctx context.Context, ch *nodeipc.Channel, m *nodeipc.Message) error {
	var s string
	if m.Decode(&s) == nil {
		if s == terminate {
			return worker.ErrStop
		}
		return nil
	}
	var req request
	if err := m.Decode(&req); err != nil {
		return err // logged; the worker goes on
	}
	if req.Method == cleanup {
		return ch.Send(ctx, map[string]any{"id": req.ID, "method": cleanup, "error": nil})
	}
	resp := response{ID: req.ID}
	if req.Method == "methods" {
		names := []string{"methods"}
		for n := range methods {
			names = append(names, n)
		}
		sort.Strings(names)
		resp.Result = names
	} else if f, ok := methods[req.Method]; ok {
		emit := func(p any) error { return ch.Send(ctx, event{ID: req.ID, IsEvent: true, Payload: p}) }
		var err error
		if resp.Result, err = f(req.Params, emit); err != nil {
			resp.Error = &jsError{Name: "Error", Message: err.Error()}
		}
	} else {
		resp.Error = &jsError{Name: "Error", Message: fmt.Sprintf("Unknown method %q", req.Method)}
	}
	return ch.Send(ctx, resp)
}
