// Command worker is a Go subprocess for execa 9 (`ipc: true`, execa's
// default serialization: 'advanced'). It answers {op: 'square', n} with
// {square: n*n} and {op: 'ping'} with 'pong', whether sent with
// sendMessage(m) or sendMessage(m, {strict: true}): a strict message arrives
// as {id, type: 'execa:ipc:request', message} and is acknowledged with
// {id, type: 'execa:ipc:response', message: true} (true: a listener is
// there) before it is handled. gracefulCancel's {type: 'execa:ipc:cancel',
// message: reason} makes it exit 0.
package main

import (
	"context"
	"fmt"
	"math/big"
	"os"

	"github.com/nodeipc/nodeipc-go/nodeipc"
)

type job struct {
	Op string `json:"op"`
	N  int    `json:"n"`
}

// envelope is execa's wrapper around a message: {type: 'execa:ipc:request',
// id, message} in strict mode, {type: 'execa:ipc:cancel', message: reason}
// for gracefulCancel; a job has no type.
type envelope struct {
	Type string `json:"type"`
}

type strictRequest struct {
	ID      *big.Int `json:"id"` // a BigInt
	Message job      `json:"message"`
}

type strictResponse struct {
	ID      *big.Int `json:"id"`
	Type    string   `json:"type"`
	Message bool     `json:"message"`
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
				continue // a message we could not read; the channel goes on
			}
			return 0 // the parent disconnected or exited
		}
		var e envelope
		if err := m.Decode(&e); err != nil {
			fmt.Fprintln(os.Stderr, "worker: not an object:", err)
			continue
		}
		var j job
		switch e.Type {
		case "execa:ipc:cancel":
			fmt.Fprintln(os.Stderr, "worker: canceled")
			return 0
		case "execa:ipc:request":
			var r strictRequest
			err := m.Decode(&r)
			if err := ch.Send(ctx, strictResponse{ID: r.ID, Type: "execa:ipc:response", Message: true}); err != nil {
				return 1
			}
			if err != nil {
				fmt.Fprintln(os.Stderr, "worker: not a job:", err)
				continue
			}
			j = r.Message
		default:
			if err := m.Decode(&j); err != nil {
				fmt.Fprintln(os.Stderr, "worker: not a job:", err)
				continue
			}
		}
		var reply any
		switch j.Op {
		case "square":
			reply = map[string]int{"square": j.N * j.N}
		case "ping":
			reply = "pong"
		default:
			reply = map[string]string{"error": "unknown op " + j.Op}
		}
		if err := ch.Send(ctx, reply); err != nil {
			return 1
		}
	}
}
