//go:build darwin || freebsd || linux || netbsd || openbsd

package nodeipc_test

import (
	"bufio"
	"context"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"syscall"

	"github.com/nodeipc/nodeipc-go/nodeipc"
)

// A worker serves the connections its parent hands over with net/http. Here
// both ends of the channel are in one process: the "parent" accepts a TCP
// connection and sends it, as Node's child.send('socket', socket) does.
func ExampleChannel_HandedSockets() {
	parent, worker := examplePair()
	defer parent.Close()
	defer worker.Close()
	ctx := context.Background()

	// The worker: every handed socket is served by net/http.
	ln, err := worker.HandedSockets(nil)
	if err != nil {
		panic(err)
	}
	srv := &http.Server{Handler: http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		io.WriteString(w, "hello from Go")
	})}
	go srv.Serve(ln)
	defer srv.Shutdown(ctx) // closes ln

	// The parent: accept a client and hand its connection over.
	tcp, _ := net.ListenTCP("tcp", &net.TCPAddr{IP: net.IPv4(127, 0, 0, 1)})
	defer tcp.Close()
	client, _ := net.Dial("tcp", tcp.Addr().String())
	defer client.Close()
	accepted, _ := tcp.AcceptTCP()
	parent.SendHandle(ctx, "socket", accepted, nil) // moves accepted

	// The client talks HTTP over it.
	io.WriteString(client, "GET / HTTP/1.1\r\nHost: example\r\n\r\n")
	resp, err := http.ReadResponse(bufio.NewReader(client), nil)
	if err != nil {
		panic(err)
	}
	body, _ := io.ReadAll(resp.Body)
	fmt.Println(resp.Status, string(body))
	// Output: 200 OK hello from Go
}

func examplePair() (*nodeipc.Channel, *nodeipc.Channel) {
	fds, err := syscall.Socketpair(syscall.AF_UNIX, syscall.SOCK_STREAM, 0)
	if err != nil {
		panic(err)
	}
	var chs [2]*nodeipc.Channel
	for i, fd := range fds {
		f := os.NewFile(uintptr(fd), "pair")
		c, err := net.FileConn(f)
		f.Close()
		if err != nil {
			panic(err)
		}
		if chs[i], err = nodeipc.New(c.(*net.UnixConn), nil); err != nil {
			panic(err)
		}
	}
	return chs[0], chs[1]
}
