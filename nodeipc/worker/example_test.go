//go:build unix

package worker_test

import (
	"context"
	"fmt"

	"github.com/nodeipc/nodeipc-go/nodeipc/nodeipctest"
	"github.com/nodeipc/nodeipc-go/nodeipc/worker"
)

// A worker answers {id, method, params} requests; here the Node side is
// played in process by a nodeipctest.Peer. In a real worker, main is
//
//	os.Exit(worker.Run(func(ctx context.Context, ch *nodeipc.Channel) error {
//		return worker.Serve(ctx, ch, methods, nil)
//	}, nil))
func ExampleMethods() {
	node, ch, err := nodeipctest.Pair(nil)
	if err != nil {
		panic(err)
	}
	defer node.Close()
	defer ch.Close()
	ctx := context.Background()

	methods := worker.Methods{
		"square": func(ctx context.Context, call *worker.Call) (any, error) {
			var n float64
			if err := call.Decode(&n); err != nil {
				return nil, err
			}
			call.Progress("squaring")
			return n * n, nil
		},
	}
	go worker.Serve(ctx, ch, methods, nil)

	// What Node's child.send() and child.on('message') see.
	node.Send(ctx, map[string]any{"id": 1, "method": "square", "params": 7})
	node.Send(ctx, map[string]any{"id": 2, "method": "cube", "params": 7})
	for i := 0; i < 3; i++ {
		m, _ := node.Recv(ctx)
		fmt.Println(m)
	}
	// Output:
	// {"id":1,"progress":"squaring"}
	// {"id":1,"result":49}
	// {"id":2,"error":{"name":"MethodNotFound","message":"unknown method \"cube\""}}
}
