// Command worker is a Go subprocess for execa 9 (`ipc: true`, execa's
// default serialization: 'advanced'). It answers {op: 'square', n} with
// {square: n*n} and {op: 'ping'} with 'pong', whether sent with
// sendMessage(m) or sendMessage(m, {strict: true}): a strict message arrives
// as {id, type: 'execa:ipc:request', message} and is acknowledged with
// {id, type: 'execa:ipc:response', message: true} (true: a listener is
// there) before it is handled. gracefulCancel's {type: 'execa:ipc:cancel',
// message: reason} makes it exit 0. worker.Run writes every message still
// queued before the process exits.
package main

import (
	"context"
	"fmt"
	"math/big"
	"os"

	"github.com/nodeipc/nodeipc-go/nodeipc"
	"github.com/nodeipc/nodeipc-go/nodeipc/worker"
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
	os.Exit(worker.Run(func(ctx context.Context, ch *nodeipc.Channel) error {
		return worker.Serve(ctx, ch, worker.HandlerFunc(handle), nil)
	}, nil))
}

// handle answers one message; worker.Serve logs the errors it returns and
// goes on.
func handle(ctx context.Context, ch *nodeipc.Channel, m *nodeipc.Message) error {
	var e envelope
	if err := m.Decode(&e); err != nil {
		return fmt.Errorf("not an object: %w", err)
	}
	var j job
	switch e.Type {
	case "execa:ipc:cancel":
		fmt.Fprintln(os.Stderr, "worker: canceled")
		return worker.ErrStop
	case "execa:ipc:request":
		var r strictRequest
		err := m.Decode(&r)
		if err := ch.Send(ctx, strictResponse{ID: r.ID, Type: "execa:ipc:response", Message: true}); err != nil {
			return err
		}
		if err != nil {
			return fmt.Errorf("not a job: %w", err)
		}
		j = r.Message
	default:
		if err := m.Decode(&j); err != nil {
			return fmt.Errorf("not a job: %w", err)
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
	return ch.Send(ctx, reply)
}
