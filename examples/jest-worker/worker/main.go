// Command worker is a Go child process for jest-worker 30's process farm
// (`enableWorkerThreads: false`, `forkOptions: {execPath: worker, execArgv:
// []}`, `exposedMethods`). jest-worker forks with `serialization:
// 'advanced'` and speaks arrays (its types.ts):
//
//	[0 INITIALIZE, isProcessed, workerPath, setupArgs]  no answer
//	[1 CALL, isProcessed, method, args]                  -> [0 OK, result]
//	                                                      or [1 CLIENT_ERROR, name, message, stack, extra]
//	                                                      after any [3 CUSTOM, message]
//	[2 END, isProcessed]                                 exit
//	[3 MEM_USAGE]                                        -> [4 MEM_USAGE, bytes]
//	[4 CALL_SETUP]                                       -> [0 OK, undefined]
//
// Decoded into []any, a message has the same Go types in either
// serialization: float64 numbers, strings, bools, []any.
package main

import (
	"context"
	"fmt"
	"math"
	"os"
	"runtime"

	"github.com/nodeipc/nodeipc-go/nodeipc"
	"github.com/nodeipc/nodeipc-go/nodeipc/worker"
)

// Message types of jest-worker's protocol.
const (
	childInitialize = 0
	childCall       = 1
	childEnd        = 2
	childMemUsage   = 3
	childCallSetup  = 4

	parentOK          = 0
	parentClientError = 1
	parentCustom      = 3
	parentMemUsage    = 4
)

// methods are the farm's exposedMethods. custom sends a message to the
// call's UNSTABLE_onCustomMessage listener.
var methods = map[string]func(args []any, custom func(any) error) (any, error){
	"add": func(args []any, _ func(any) error) (any, error) {
		a, ok1 := arg(args, 0).(float64)
		b, ok2 := arg(args, 1).(float64)
		if !ok1 || !ok2 {
			return nil, jsError{"TypeError", "add takes two numbers"}
		}
		return a + b, nil
	},
	"sqrt": func(args []any, _ func(any) error) (any, error) {
		x, _ := arg(args, 0).(float64)
		if x < 0 {
			return nil, jsError{"RangeError", fmt.Sprintf("sqrt of %v", x)}
		}
		return math.Sqrt(x), nil
	},
	"count": func(args []any, custom func(any) error) (any, error) {
		n, _ := arg(args, 0).(float64)
		for i := 1; i <= int(n); i++ {
			if err := custom(map[string]int{"step": i}); err != nil {
				return nil, err
			}
		}
		return n, nil
	},
}

type jsError struct{ name, message string }

func (e jsError) Error() string { return e.message }

func arg(args []any, i int) any {
	if i < len(args) {
		return args[i]
	}
	return nil
}

func main() {
	os.Exit(worker.Run(func(ctx context.Context, ch *nodeipc.Channel) error {
		return worker.Serve(ctx, ch, worker.HandlerFunc(handle), nil)
	}, nil))
}

func handle(ctx context.Context, ch *nodeipc.Channel, m *nodeipc.Message) error {
	var msg []any
	if err := m.Decode(&msg); err != nil || len(msg) == 0 {
		return fmt.Errorf("not a jest-worker message: %s", m)
	}
	typ, _ := msg[0].(float64)
	switch typ {
	case childInitialize:
		return nil
	case childCallSetup:
		return ch.Send(ctx, []any{parentOK, nil})
	case childMemUsage:
		var ms runtime.MemStats
		runtime.ReadMemStats(&ms)
		return ch.Send(ctx, []any{parentMemUsage, ms.HeapAlloc})
	case childEnd:
		return worker.ErrStop
	case childCall:
		name, _ := arg(msg, 2).(string)
		args, _ := arg(msg, 3).([]any)
		f, ok := methods[name]
		if !ok {
			return sendError(ctx, ch, jsError{"TypeError", fmt.Sprintf("%s is not a function", name)})
		}
		custom := func(v any) error { return ch.Send(ctx, []any{parentCustom, v}) }
		result, err := f(args, custom)
		if err != nil {
			return sendError(ctx, ch, err)
		}
		return ch.Send(ctx, []any{parentOK, result})
	}
	return fmt.Errorf("unknown jest-worker message type %v", msg[0])
}

// sendError answers a call with CLIENT_ERROR: the parent throws
// new globalThis[name](message) with that stack.
func sendError(ctx context.Context, ch *nodeipc.Channel, err error) error {
	e, ok := err.(jsError)
	if !ok {
		e = jsError{"Error", err.Error()}
	}
	stack := e.name + ": " + e.message + "\n    at Go worker"
	return ch.Send(ctx, []any{parentClientError, e.name, e.message, stack, map[string]any{}})
}
