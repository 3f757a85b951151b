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
	"fmt"
	"os"

	"github.com/nodeipc/nodeipc-go/nodeipc"
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
	ch, err := nodeipc.FromEnv(nil)
	if err != nil {
		fmt.Fprintln(os.Stderr, "worker:", err)
		os.Exit(2)
	}
	defer ch.Close()
	os.Exit(serve(ch))
}

func serve(ch *nodeipc.Channel) int {
	ctx := context.Background()
	for {
		m, err := ch.Recv(ctx)
		if err != nil {
			if ch.Connected() {
				fmt.Fprintln(os.Stderr, "worker:", err)
				continue
			}
			return 0 // the client disconnected or exited
		}
		var req message
		if err := m.Decode(&req); err != nil || req.Method == "" {
			continue // not a request or notification
		}
		if req.ID == nil { // a notification
			if req.Method == "exit" {
				return 0
			}
			continue
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
				return 1
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
		if err := ch.Send(ctx, resp); err != nil {
			return 1
		}
	}
}
