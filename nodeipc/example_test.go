//go:build darwin || freebsd || linux || netbsd || openbsd

package nodeipc_test

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"io"
	"log"
	"net"
	"os"
	"os/exec"
	"syscall"

	"github.com/nodeipc/nodeipc-go/nodeipc"
)

// A Go worker forked by Node: answer every job until the parent disconnects.
// The Node side is `fork('worker', [], { execPath: '/path/to/binary',
// execArgv: [] })` and plain child.send() / child.on('message'). A bad
// message is logged and skipped; the loop ends when the parent disconnects.
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
			log.Print(err) // a bad message (the loop goes on), or what broke the channel
			continue
		}
		var job struct{ N int }
		if err := m.Decode(&job); err != nil {
			log.Print(err)
			continue
		}
		if err := ch.Send(ctx, map[string]int{"square": job.N * job.N}); err != nil {
			log.Print(err) // the channel ended: the loop ends too
		}
	}
}

// Two channels over one socketpair, in one process: what one end sends, the
// other receives. With Node, the other end is a Node process (see FromEnv
// and Start).
func ExampleNew() {
	fds, err := syscall.Socketpair(syscall.AF_UNIX, syscall.SOCK_STREAM, 0)
	if err != nil {
		log.Fatal(err)
	}
	var ends [2]*nodeipc.Channel
	for i, fd := range fds {
		f := os.NewFile(uintptr(fd), "ipc")
		c, err := net.FileConn(f) // a duplicate: the file is closed below
		f.Close()
		if err != nil {
			log.Fatal(err)
		}
		if ends[i], err = nodeipc.New(c.(*net.UnixConn), nil); err != nil {
			log.Fatal(err)
		}
		defer ends[i].Close()
	}
	ctx := context.Background()
	if err := ends[0].Send(ctx, map[string]any{"hello": "go", "n": 7}); err != nil {
		log.Fatal(err)
	}
	m, err := ends[1].Recv(ctx)
	if err != nil {
		log.Fatal(err)
	}
	fmt.Println("on the wire:", m)
	var v struct {
		Hello string
		N     int
	}
	if err := m.Decode(&v); err != nil {
		log.Fatal(err)
	}
	fmt.Println("decoded:", v.Hello, v.N)
	// Output:
	// on the wire: {"hello":"go","n":7}
	// decoded: go 7
}

// A receive loop keeps serving after a malformed message. The peer here is
// a raw socket writing what a buggy peer could: a line that is not JSON, a
// good message, then EOF. The loop is the one of FromEnv's example.
func ExampleChannel_Messages() {
	ours, peer := unixPair()
	ch, err := nodeipc.New(ours, nil)
	if err != nil {
		log.Fatal(err)
	}
	defer ch.Close()
	peer.Write([]byte("not json\n" + `{"n":7}` + "\n"))
	peer.Close()
	for m, err := range ch.Messages(context.Background()) {
		if err != nil {
			fmt.Println("error:", err) // a bad message, or what broke the channel
			continue
		}
		fmt.Println("message:", m)
	}
	// The peer's disconnect ended the loop, without an error value.
	fmt.Println("connected:", ch.Connected())
	fmt.Println("ended:", ch.Err())
	// Output:
	// error: nodeipc: parse: malformed message (data "not json")
	// message: {"n":7}
	// connected: false
	// ended: nodeipc: channel disconnected: EOF
}

// Handing a socket to the peer: SendHandle sends a connection with a
// message, and the receiver gets it with the message, as a net.Conn it owns.
// Node's subprocess.send('socket', socket) and process.on('message', (m,
// socket) => ...) are the same exchange with a Node peer.
func ExampleChannel_SendHandle() {
	a, b := channelPair()
	defer a.Close()
	defer b.Close()
	ctx := context.Background()

	client, conn := unixPair() // conn is what we hand over; client stays here
	defer client.Close()
	sent := make(chan error, 1)
	go func() {
		// Returns once b acknowledged the handle; conn is then closed here
		// (it moved to b), unless SendHandleOptions.KeepOpen is set.
		sent <- a.SendHandle(ctx, "socket", conn, nil)
	}()

	m, err := b.Recv(ctx)
	if err != nil {
		log.Fatal(err)
	}
	fmt.Println("message:", m, "with a", m.HandleType())
	got := m.Conn()
	fmt.Fprintln(got, "hello from the receiver")
	got.Close() // the receiver owns the handle
	if err := <-sent; err != nil {
		log.Fatal(err)
	}
	line, _ := bufio.NewReader(client).ReadString('\n')
	fmt.Print("the client read: ", line)
	// Output:
	// message: "socket" with a net.Socket
	// the client read: hello from the receiver
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

// Receiving sockets that Node sends with subprocess.send('socket', socket).
func ExampleMessage_Conn() {
	ch, err := nodeipc.FromEnv(nil)
	if err != nil {
		log.Fatal(err)
	}
	defer ch.Close()
	for m, err := range ch.Messages(context.Background()) {
		if err != nil {
			log.Print(err) // e.g. a *HandleError: a handle that was not a socket
			continue
		}
		if c := m.Conn(); c != nil {
			go func(c net.Conn) {
				defer c.Close() // the receiver owns the handle
				fmt.Fprintf(c, "handled by Go\n")
			}(c)
		} else if h, ok := m.Handle().(io.Closer); ok {
			h.Close() // a handle this worker does not serve
		}
	}
}

// unixPair returns the two ends of a connected AF_UNIX stream socketpair.
func unixPair() (*net.UnixConn, *net.UnixConn) {
	fds, err := syscall.Socketpair(syscall.AF_UNIX, syscall.SOCK_STREAM, 0)
	if err != nil {
		log.Fatal(err)
	}
	var ends [2]*net.UnixConn
	for i, fd := range fds {
		f := os.NewFile(uintptr(fd), "socketpair")
		c, err := net.FileConn(f)
		f.Close()
		if err != nil {
			log.Fatal(err)
		}
		ends[i] = c.(*net.UnixConn)
	}
	return ends[0], ends[1]
}

// channelPair returns two Channels connected to each other.
func channelPair() (*nodeipc.Channel, *nodeipc.Channel) {
	x, y := unixPair()
	a, err := nodeipc.New(x, nil)
	if err != nil {
		log.Fatal(err)
	}
	b, err := nodeipc.New(y, nil)
	if err != nil {
		log.Fatal(err)
	}
	return a, b
}
