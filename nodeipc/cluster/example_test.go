package cluster_test

import (
	"context"
	"errors"
	"io"
	"log"
	"net/http"
	"os"
	"os/exec"
	"time"

	"github.com/nodeipc/nodeipc-go/nodeipc/cluster"
)

// A Go HTTP server as a worker of a Node.js cluster primary. Started by the
// primary's cluster.fork() (with process.execPath pointed at this binary), it
// asks the primary for :8000, serves the connections the primary hands it
// (round-robin) or accepts on the shared socket (SCHED_NONE), and shuts down
// gracefully when the primary calls worker.disconnect(). It needs a Node
// primary, so it is compiled, not run, by go test.
func ExampleNewWorker() {
	w, err := cluster.NewWorker(nil)
	if errors.Is(err, cluster.ErrNotWorker) {
		log.Fatal("start me with cluster.fork()")
	}
	if err != nil {
		log.Fatal(err)
	}
	defer w.Close()
	ln, err := w.Listen(context.Background(), "tcp", ":8000")
	if err != nil {
		log.Fatal(err)
	}
	srv := &http.Server{Handler: http.HandlerFunc(func(rw http.ResponseWriter, _ *http.Request) {
		io.WriteString(rw, "hello from Go\n")
	})}
	go srv.Serve(ln)

	<-w.Done() // the primary called worker.disconnect(), or went away
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	srv.Shutdown(ctx) // let open requests finish
	w.Close()         // the primary sees 'disconnect'
}

// A Go primary running two Node workers that each call
// http.createServer(...).listen(8000): Node's cluster module in the workers
// asks this primary for the port, the primary listens once and hands the
// connections to the workers in turn (SchedRR), then disconnects them and
// waits for them to exit. It needs node and a server.js, so it is compiled,
// not run, by go test.
func ExampleNewPrimary() {
	ctx := context.Background()
	p := cluster.NewPrimary(&cluster.PrimaryOptions{SchedulingPolicy: cluster.SchedRR})
	defer p.Close()
	var workers []*cluster.Child
	for range 2 {
		cmd := exec.Command("node", "server.js")
		cmd.Stdout, cmd.Stderr = os.Stdout, os.Stderr
		c, err := p.Fork(ctx, cmd)
		if err != nil {
			log.Fatal(err)
		}
		workers = append(workers, c)
	}
	for _, c := range workers {
		info, err := c.Listening(ctx)
		if err != nil {
			log.Fatal(err)
		}
		log.Printf("worker %d listening on port %d", c.ID(), info.Port)
	}
	// ... serve; then shut down gracefully:
	for _, c := range workers {
		c.Disconnect(ctx) // workers close their servers and the channel
		if err := c.Wait(); err != nil {
			log.Printf("worker %d: %v", c.ID(), err)
		}
	}
}
