// Command http serves HTTP on the connections a Node server hands it
// (child.send('socket', socket)). examples/http/run.js is its Node side.
package main

import (
	"context"
	"fmt"
	"net/http"
	"os"

	"github.com/nodeipc/nodeipc-go/nodeipc"
	"github.com/nodeipc/nodeipc-go/nodeipc/worker"
)

func hello(w http.ResponseWriter, r *http.Request) {
	fmt.Fprintf(w, "hello from Go, %s\n", r.URL.Path)
}

func main() {
	srv := &http.Server{Handler: http.HandlerFunc(hello)}
	os.Exit(worker.Run(func(ctx context.Context, ch *nodeipc.Channel) error {
		return worker.ServeHTTP(ctx, ch, srv, nil, nil)
	}, nil))
}
