// Command worker is a JSON-RPC 2.0 server for vscode-jsonrpc's
// IPCMessageReader / IPCMessageWriter: each JSON-RPC message is one IPC
// message (an object), with no Content-Length framing. It answers the
// request 'add' {a, b} with a + b after a 'progress' notification, 'echo'
// with its params, anything else with the error -32601 (method not found);
// the notification 'exit' makes it exit 0, and other notifications
// ('$/cancelRequest' and the like) are ignored.
package main

import (
	"context"
	"encoding/json"
	"os"

	"github.com/nodeipc/nodeipc-go/nodeipc"
	"github.com/nodeipc/nodeipc-go/nodeipc/worker"
)

type message struct {
	JSONRPC string          `json:"jsonrpc"`
	ID      json.RawMessage `json:"id,omitempty"` // number or string; absent in notifications
	Method  string          `json:"method,omitempty"`
	Params  json.RawMessage `json:"params,omitempty"`
	Result  any             `json:"result,omitempty"`
	Error   *rpcError       `json:"error,omitempty"`
}

type rpcError struct {
	Code    int    `json:"code"`
	Message string `json:"message"`
}

func main() {
	os.Exit(worker.Run(func(ctx context.Context, ch *nodeipc.Channel) error {
		return worker.Serve(ctx, ch, worker.HandlerFunc(handle), nil)
	}, nil))
}

// handle answers one JSON-RPC message.
func handle(ctx context.Context, ch *nodeipc.Channel, m *nodeipc.Message) error {
	var req message
	if err := m.Decode(&req); err != nil || req.Method == "" {
		return nil // not a request or notification
	}
	if req.ID == nil { // a notification
		if req.Method == "exit" {
			return worker.ErrStop
		}
		return nil
	}
	resp := message{JSONRPC: "2.0", ID: req.ID}
	switch req.Method {
	case "add":
		var p struct{ A, B float64 }
		if err := json.Unmarshal(req.Params, &p); err != nil {
			resp.Error = &rpcError{Code: -32602, Message: err.Error()}
			break
		}
		note := message{JSONRPC: "2.0", Method: "progress", Params: json.RawMessage(`{"working":"add"}`)}
		if err := ch.Send(ctx, note); err != nil {
			return err
		}
		resp.Result = p.A + p.B
	case "echo":
		resp.Result = req.Params
	default:
		resp.Error = &rpcError{Code: -32601, Message: "Unhandled method " + req.Method}
	}
	if resp.Result == nil && resp.Error == nil {
		resp.Result = json.RawMessage("null")
	}
	return ch.Send(ctx, resp)
}
