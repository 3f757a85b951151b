//go:build darwin || freebsd || linux || netbsd || openbsd

package nodeipc_test

import (
	"context"
	"errors"
	"fmt"
	"log"
	"net"
	"os"
	"os/exec"

	"github.com/nodeipc/nodeipc-go/nodeipc"
)

// A Go worker forked by Node: answer every job until the parent disconnects.
// The Node side is `fork('worker', [], { execPath: '/path/to/binary',
// execArgv: [] })` and plain child.send() / child.on('message').
func ExampleFromEnv() {
	ch, err := nodeipc.FromEnv(nil)
	if errors.Is(err, nodeipc.ErrNoChannel) {
		fmt.Fprintln(os.Stderr, "not started by Node's fork()")
		return
	}
	if err != nil {
		log.Fatal(err)
	}
	defer ch.Close()
	ctx := context.Background()
	for m, err := range ch.Messages(ctx) {
		if err != nil {
			return // the parent disconnected (errors.Is(err, nodeipc.ErrDisconnected))
		}
		var job struct{ N int }
		if err := m.Decode(&job); err != nil {
			continue
		}
		if err := ch.Send(ctx, map[string]int{"square": job.N * job.N}); err != nil {
			return
		}
	}
}

// A Go parent forking a Node script that uses process.send /
// process.on('message').
func ExampleStart() {
	cmd := exec.Command("node", "worker.js")
	cmd.Stdout, cmd.Stderr = os.Stdout, os.Stderr
	ch, err := nodeipc.Start(cmd, &nodeipc.Options{Serialization: nodeipc.JSON})
	if err != nil {
		log.Fatal(err)
	}
	ctx := context.Background()
	if err := ch.Send(ctx, map[string]string{"hello": "node"}); err != nil {
		log.Fatal(err)
	}
	m, err := ch.Recv(ctx)
	if err != nil {
		log.Fatal(err)
	}
	fmt.Println(m)
	ch.Close() // Node's 'disconnect' fires in the child
	cmd.Wait()
}

// Receiving a socket that Node sent with subprocess.send('socket', socket).
func ExampleMessage_Conn() {
	ch, err := nodeipc.FromEnv(nil)
	if err != nil {
		log.Fatal(err)
	}
	ctx := context.Background()
	for {
		m, err := ch.Recv(ctx)
		if err != nil {
			return
		}
		if c := m.Conn(); c != nil {
			go func(c net.Conn) {
				defer c.Close() // the receiver owns the handle
				fmt.Fprintf(c, "handled by Go\n")
			}(c)
		}
	}
}
