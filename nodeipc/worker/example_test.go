//go:build unix

package worker_test

import (
	"bufio"
	"context"
	"fmt"
	"io"
	"net"
	"net/http"

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
	served := make(chan error, 1)
	go func() { served <- worker.Serve(ctx, ch, methods, nil) }()

	// What Node's child.send() and child.on('message') see.
	node.Send(ctx, map[string]any{"id": 1, "method": "square", "params": 7})
	node.Send(ctx, map[string]any{"id": 2, "method": "cube", "params": 7})
	for i := 0; i < 3; i++ {
		m, _ := node.Recv(ctx)
		fmt.Println(m)
	}
	node.Close() // the parent disconnects: Serve returns nil
	fmt.Println(<-served)
	// Output:
	// {"id":1,"progress":"squaring"}
	// {"id":1,"result":49}
	// {"id":2,"error":{"name":"MethodNotFound","message":"unknown method \"cube\""}}
	// <nil>
}

// A worker serves HTTP on the connections its parent hands over; here the
// parent (a nodeipctest.Peer) accepts a TCP connection and sends it, as
// Node's child.send('socket', socket) does.
func ExampleServeHTTP() {
	node, ch, err := nodeipctest.Pair(nil)
	if err != nil {
		panic(err)
	}
	defer ch.Close()
	ctx, cancel := context.WithCancel(context.Background())
	srv := &http.Server{Handler: http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		fmt.Fprintf(w, "hello from Go, %s", r.URL.Path)
	})}
	done := make(chan error, 1)
	go func() { done <- worker.ServeHTTP(ctx, ch, srv, nil, nil) }()

	// The parent: accept a client and hand its connection over.
	ln, _ := net.Listen("tcp", "127.0.0.1:0")
	defer ln.Close()
	client, _ := net.Dial("tcp", ln.Addr().String())
	defer client.Close()
	accepted, _ := ln.Accept()
	node.SendHandle(ctx, "socket", accepted.(*net.TCPConn), nil)

	fmt.Fprint(client, "GET /jobs HTTP/1.1\r\nHost: example\r\n\r\n")
	resp, err := http.ReadResponse(bufio.NewReader(client), nil)
	if err != nil {
		panic(err)
	}
	body, _ := io.ReadAll(resp.Body)
	fmt.Println(resp.Status, string(body))

	node.Close() // the parent disconnects: ServeHTTP shuts srv down and returns
	fmt.Println(<-done)
	cancel()
	// Output:
	// 200 OK hello from Go, /jobs
	// <nil>
}
