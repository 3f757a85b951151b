// Command worker is a Go worker for tinypool's `runtime: 'child_process'`
// pools. tinypool forks its entry script with process.execPath (it has no
// execPath option), so the pool's process points process.execPath at this
// binary; the script's path becomes os.Args[1]. It speaks tinypool's
// protocol (src/entry/process.ts), every message an object with
// `__tinypool_worker_message__: true`:
//
//   - {source: 'pool', filename, name} is answered with {ready: true,
//     source: 'pool'};
//   - a task {source: 'port', taskId, task, name} is answered with
//     {source: 'port', taskId, result, error: null, usedMemory}, or with
//     `error: {name, message, stack}` and `result: null`;
//   - pool.destroy() sends SIGTERM: worker.Run ends the loop, writes what is
//     queued and exits 0.
package main

import (
	"context"
	"errors"
	"fmt"
	"os"
	"runtime"

	"github.com/nodeipc/nodeipc-go/nodeipc"
	"github.com/nodeipc/nodeipc-go/nodeipc/worker"
)

type message struct {
	Marker bool   `json:"__tinypool_worker_message__"`
	Source string `json:"source"`
	TaskID any    `json:"taskId"`
	Task   any    `json:"task"`
	Name   string `json:"name"`
}

type ready struct {
	Ready  bool   `json:"ready"`
	Source string `json:"source"`
	Marker bool   `json:"__tinypool_worker_message__"`
}

type response struct {
	Source     string   `json:"source"`
	Marker     bool     `json:"__tinypool_worker_message__"`
	TaskID     any      `json:"taskId"`
	Result     any      `json:"result"`
	Error      *jsError `json:"error"`
	UsedMemory uint64   `json:"usedMemory"`
}

type jsError struct {
	Name    string `json:"name"`
	Message string `json:"message"`
	Stack   string `json:"stack"`
}

// handlers are the functions a task can name (tinypool's `name` option;
// "default" when not given). A task arrives decoded into any: float64,
// string, bool, nil, []any, map[string]any.
var handlers = map[string]func(task any) (any, error){
	"default": func(task any) (any, error) { return task, nil },
	"add": func(task any) (any, error) {
		t, _ := task.(map[string]any)
		a, ok1 := t["a"].(float64)
		b, ok2 := t["b"].(float64)
		if !ok1 || !ok2 {
			return nil, errors.New("add takes {a, b} numbers")
		}
		return a + b, nil
	},
	"sum": func(task any) (any, error) {
		list, ok := task.([]any)
		if !ok {
			return nil, errors.New("sum takes an array")
		}
		total := 0.0
		for _, v := range list {
			n, _ := v.(float64)
			total += n
		}
		return total, nil
	},
}

func main() {
	os.Exit(worker.Run(func(ctx context.Context, ch *nodeipc.Channel) error {
		return worker.Serve(ctx, ch, worker.HandlerFunc(handle), nil)
	}, nil))
}

func handle(ctx context.Context, ch *nodeipc.Channel, m *nodeipc.Message) error {
	var msg message
	if err := m.Decode(&msg); err != nil || !msg.Marker {
		return nil // not for us
	}
	switch msg.Source {
	case "pool":
		return ch.Send(ctx, ready{Ready: true, Source: "pool", Marker: true})
	case "port":
		resp := response{Source: "port", Marker: true, TaskID: msg.TaskID}
		h, ok := handlers[msg.Name]
		var err error
		if !ok {
			err = fmt.Errorf("no handler function %q in the Go worker", msg.Name)
		} else {
			resp.Result, err = h(msg.Task)
		}
		if err != nil {
			resp.Result = nil
			resp.Error = &jsError{Name: "Error", Message: err.Error(), Stack: "Error: " + err.Error() + "\n    at Go worker"}
		}
		var ms runtime.MemStats
		runtime.ReadMemStats(&ms)
		resp.UsedMemory = ms.HeapAlloc
		return ch.Send(ctx, resp)
	}
	return fmt.Errorf("unexpected tinypool message source %q", msg.Source)
}
