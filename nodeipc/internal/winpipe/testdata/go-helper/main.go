//go:build windows

// Command go-helper is a Windows test helper of the wine suite, forked by
// testdata/win/parent-helper.js with its mode as the first argument:
//
//	sends    send Node a *net.TCPListener (then close it here) and an accepted
//	         *net.TCPConn, read Node's answer on the other end of that
//	         connection, report it, then close the channel (Node sees the
//	         disconnect).
//	malformed
//	         run directly (no Node): start this program as a child with a
//	         channel of its own and write it bad libuv frames (see
//	         malformed.go).
//	start NODE SCRIPT
//	         run directly: Go as the parent (nodeipc.Start) of a Node child.
//	primary POLICY NODE SCRIPT GO_CHILD
//	         run directly: Go as a cluster primary ("rr" or "none") of a Node
//	         worker and a go-child http-worker (see primary.go).
//	report   answer every message with {got, type, key} (the message as
//	         received, its handle type and socket-list key), writing
//	         "report" on a received connection and closing every handle.
//	count    close every socket received; answer {"handles":N,"slot":S} (this
//	         process's handle count, and the handle-table slot a new handle
//	         gets) to {"count":true}.
package main

import (
	"bufio"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net"
	"os"
	"time"
	"unsafe"

	"github.com/nodeipc/nodeipc-go/nodeipc"
	"golang.org/x/sys/windows"
)

func main() { os.Exit(run()) }

func run() int {
	if len(os.Args) < 2 {
		fmt.Fprintln(os.Stderr, "go-helper: mode?")
		return 2
	}
	switch os.Args[1] {
	case "malformed":
		return malformedParent()
	case "malformed-child":
		return malformedChild()
	case "primary":
		if err := primary(os.Args[2], os.Args[3], os.Args[4], os.Args[5]); err != nil {
			fmt.Fprintln(os.Stderr, "go-helper:", err)
			return 1
		}
		return 0
	case "start":
		if err := startNode(os.Args[2], os.Args[3]); err != nil {
			fmt.Fprintln(os.Stderr, "go-helper:", err)
			return 1
		}
		return 0
	}
	ch, err := nodeipc.FromEnv(nil)
	if err != nil {
		fmt.Fprintln(os.Stderr, "go-helper:", err)
		return 2
	}
	defer ch.Close()
	var f func(*nodeipc.Channel) error
	switch os.Args[1] {
	case "sends":
		f = sends
	case "count":
		f = count
	case "report":
		f = reportAll
	default:
		fmt.Fprintln(os.Stderr, "go-helper: unknown mode", os.Args[1])
		return 2
	}
	if err := f(ch); err != nil {
		fmt.Fprintln(os.Stderr, "go-helper:", err)
		return 1
	}
	return 0
}

func sends(ch *nodeipc.Channel) error {
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	// A server for Node to serve: Go's own copy is closed after the ACK.
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return err
	}
	port := l.Addr().(*net.TCPAddr).Port
	if err := ch.SendHandle(ctx, map[string]any{"kind": "server", "port": port}, l.(*net.TCPListener), nil); err != nil {
		return fmt.Errorf("SendHandle(server): %w", err)
	}
	l.Close()
	// A connection: Go keeps the client end and sends the accepted end.
	l2, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return err
	}
	defer l2.Close()
	client, err := net.Dial("tcp", l2.Addr().String())
	if err != nil {
		return err
	}
	defer client.Close()
	srv, err := l2.Accept()
	if err != nil {
		return err
	}
	if err := ch.SendHandle(ctx, map[string]any{"kind": "socket"}, srv.(*net.TCPConn), nil); err != nil {
		return fmt.Errorf("SendHandle(socket): %w", err)
	}
	client.SetReadDeadline(time.Now().Add(30 * time.Second))
	line, err := bufio.NewReader(client).ReadString('\n')
	if err != nil {
		return fmt.Errorf("reading Node's answer: %w", err)
	}
	if err := ch.Send(ctx, map[string]any{"answer": line}); err != nil {
		return err
	}
	// Wait for Node's go-ahead, then disconnect from this side.
	m, err := ch.Recv(ctx)
	if err != nil {
		return err
	}
	_ = m
	return ch.Close()
}

func reportAll(ch *nodeipc.Channel) error {
	ctx := context.Background()
	for {
		m, err := ch.Recv(ctx)
		if errors.Is(err, nodeipc.ErrDisconnected) {
			return nil
		}
		if err != nil {
			return err
		}
		if c := m.Conn(); c != nil {
			io.WriteString(c, "report")
		}
		if h, ok := m.Handle().(io.Closer); ok {
			h.Close()
		}
		type reply struct {
			Got  json.RawMessage `json:"got"`
			Type string          `json:"type"`
			Key  string          `json:"key"`
		}
		if err := ch.Send(ctx, reply{Got: m.Raw(), Type: m.HandleType(), Key: m.Key()}); err != nil {
			return err
		}
	}
}

var procGetProcessHandleCount = windows.NewLazySystemDLL("kernel32.dll").NewProc("GetProcessHandleCount")

func count(ch *nodeipc.Channel) error {
	ctx := context.Background()
	for {
		m, err := ch.Recv(ctx)
		if errors.Is(err, nodeipc.ErrDisconnected) {
			return nil
		}
		if err != nil {
			return err
		}
		if h, ok := m.Handle().(io.Closer); ok {
			h.Close()
			continue
		}
		// Two measures: the handle count (which wine 8 reports as 0), and
		// the value of a new handle, which Windows and wine take from the
		// lowest free slot of the handle table, so that it grows with
		// every handle leaked below it.
		var n uint32
		if r, _, e := procGetProcessHandleCount.Call(uintptr(windows.CurrentProcess()), uintptr(unsafe.Pointer(&n))); r == 0 {
			return fmt.Errorf("GetProcessHandleCount: %w", e)
		}
		probe, err := windows.CreateEvent(nil, 0, 0, nil)
		if err != nil {
			return err
		}
		windows.CloseHandle(probe)
		if err := ch.Send(ctx, map[string]any{"handles": n, "slot": uint64(probe) / 4}); err != nil {
			return err
		}
	}
}
