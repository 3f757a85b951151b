//go:build windows

package winpipe

import (
	"errors"
	"fmt"
	"io"
	"net"
	"os"
	"sync/atomic"
	"testing"
	"time"

	"golang.org/x/sys/windows"
)

var pipeSeq atomic.Int64

// pipePair returns both ends of a new overlapped byte-mode named pipe, as
// libuv creates the channel of a child: the server end and the client end.
func pipePair(t *testing.T) (server, client *Pipe) {
	t.Helper()
	name, _ := windows.UTF16PtrFromString(fmt.Sprintf(`\\.\pipe\nodeipc-winpipe-test-%d-%d`, os.Getpid(), pipeSeq.Add(1)))
	sh, err := windows.CreateNamedPipe(name,
		windows.PIPE_ACCESS_DUPLEX|windows.FILE_FLAG_OVERLAPPED|windows.FILE_FLAG_FIRST_PIPE_INSTANCE,
		windows.PIPE_TYPE_BYTE|windows.PIPE_READMODE_BYTE|windows.PIPE_WAIT, 1, 65536, 65536, 0, nil)
	if err != nil {
		t.Fatal("CreateNamedPipe:", err)
	}
	ch, err := windows.CreateFile(name, windows.GENERIC_READ|windows.GENERIC_WRITE, 0, nil,
		windows.OPEN_EXISTING, windows.FILE_FLAG_OVERLAPPED, 0)
	if err != nil {
		t.Fatal("CreateFile:", err)
	}
	if server, err = NewPipe(sh); err != nil {
		t.Fatal(err)
	}
	if client, err = NewPipe(ch); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { server.Close(); client.Close() })
	return server, client
}

func TestPipeFramesAndEOF(t *testing.T) {
	s, c := pipePair(t)
	var stream []byte
	stream = append(AppendHeader(stream, 5, false, false), "hello"...)
	stream = append(AppendHeader(stream, 70000, false, false), make([]byte, 70000)...)
	go func() {
		s.Write(stream)
		s.Close()
	}()
	u := NewUnframer(0)
	buf := make([]byte, 4096)
	total := 0
	for {
		n, err := c.Read(buf)
		if err == io.EOF {
			break
		}
		if err != nil {
			t.Fatal(err)
		}
		for in := buf[:n]; len(in) > 0; {
			k, data, _, err := u.Next(in)
			if err != nil {
				t.Fatal(err)
			}
			total += len(data)
			in = in[k:]
		}
	}
	if total != 70005 || u.InFrame() {
		t.Fatalf("%d data bytes, in frame %v", total, u.InFrame())
	}
}

func TestPipeDeadlineAndClose(t *testing.T) {
	s, c := pipePair(t)
	c.SetReadDeadline(time.Now().Add(50 * time.Millisecond))
	if _, err := c.Read(make([]byte, 10)); !errors.Is(err, os.ErrDeadlineExceeded) {
		t.Fatalf("read past the deadline: %v", err)
	}
	c.SetReadDeadline(time.Time{})
	s.Write([]byte("x"))
	b := make([]byte, 10)
	if n, err := c.Read(b); err != nil || string(b[:n]) != "x" {
		t.Fatalf("read after the deadline was lifted: %q %v", b[:n], err)
	}
	done := make(chan error, 1)
	go func() { _, err := c.Read(b); done <- err }()
	time.Sleep(50 * time.Millisecond)
	c.Close()
	select {
	case err := <-done:
		if !errors.Is(err, os.ErrClosed) {
			t.Fatalf("read after Close: %v", err)
		}
	case <-time.After(10 * time.Second):
		t.Fatal("Close did not unblock a pending Read")
	}
}

func TestNewPipeRejectsFile(t *testing.T) {
	f, err := os.CreateTemp("", "nodeipc-winpipe")
	if err != nil {
		t.Fatal(err)
	}
	defer os.Remove(f.Name())
	defer f.Close()
	if _, err := NewPipe(windows.Handle(f.Fd())); err == nil {
		t.Fatal("a file accepted as a pipe")
	}
}

// TestSocketRoundTrip duplicates a Go listener for this process (as a peer
// would for us), imports it, and serves a connection through the wrappers,
// with deadlines and Close unblocking Accept and Read.
func TestSocketRoundTrip(t *testing.T) {
	gl, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer gl.Close()
	rc, _ := gl.(*net.TCPListener).SyscallConn()
	var info [ProtocolInfoSize]byte
	var derr error
	rc.Control(func(fd uintptr) { info, derr = DuplicateFor(windows.Handle(fd), windows.GetCurrentProcessId()) })
	if derr != nil {
		t.Fatal(derr)
	}
	s, err := ImportSocket(&info)
	if err != nil {
		t.Fatal(err)
	}
	if fam, typ, listening, err := SocketInfo(s); err != nil || fam != windows.AF_INET || typ != windows.SOCK_STREAM || !listening {
		t.Fatalf("SocketInfo: %d %d %v %v", fam, typ, listening, err)
	}
	l, err := NewListener(s)
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	gl.Close() // the imported socket keeps listening
	l.SetDeadline(time.Now().Add(50 * time.Millisecond))
	if _, err := l.Accept(); !errors.Is(err, os.ErrDeadlineExceeded) {
		t.Fatalf("Accept past the deadline: %v", err)
	}
	l.SetDeadline(time.Time{})
	client, err := net.Dial("tcp", l.Addr().String())
	if err != nil {
		t.Fatal(err)
	}
	defer client.Close()
	c, err := l.Accept()
	if err != nil {
		t.Fatal(err)
	}
	client.Write([]byte("ping"))
	b := make([]byte, 4)
	if _, err := io.ReadFull(c, b); err != nil || string(b) != "ping" {
		t.Fatalf("%q %v", b, err)
	}
	if _, err := c.Write([]byte("pong")); err != nil {
		t.Fatal(err)
	}
	if _, err := io.ReadFull(client, b); err != nil || string(b) != "pong" {
		t.Fatalf("%q %v", b, err)
	}
	c.SetReadDeadline(time.Now().Add(50 * time.Millisecond))
	if _, err := c.Read(b); !errors.Is(err, os.ErrDeadlineExceeded) {
		t.Fatalf("Read past the deadline: %v", err)
	}
	c.SetReadDeadline(time.Time{})
	done := make(chan error, 1)
	go func() { _, err := c.Read(b); done <- err }()
	time.Sleep(50 * time.Millisecond)
	c.Close()
	if err := <-done; !errors.Is(err, net.ErrClosed) {
		t.Fatalf("Read after Close: %v", err)
	}
	acc := make(chan error, 1)
	go func() { _, err := l.Accept(); acc <- err }()
	time.Sleep(50 * time.Millisecond)
	l.Close()
	if err := <-acc; !errors.Is(err, net.ErrClosed) {
		t.Fatalf("Accept after Close: %v", err)
	}
}

// TestSharedListener: two Listeners on duplicates of one listening socket,
// as two cluster workers share the primary's, each with an AcceptEx
// pending: every connection is accepted by one of them, and both accept
// some.
func TestSharedListener(t *testing.T) {
	gl, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := gl.Addr().String()
	rc, _ := gl.(*net.TCPListener).SyscallConn()
	var ls [2]*Listener
	for i := range ls {
		var info [ProtocolInfoSize]byte
		var derr error
		rc.Control(func(fd uintptr) { info, derr = DuplicateFor(windows.Handle(fd), windows.GetCurrentProcessId()) })
		if derr != nil {
			t.Fatal(derr)
		}
		s, err := ImportSocket(&info)
		if err != nil {
			t.Fatal(err)
		}
		if ls[i], err = NewListener(s); err != nil {
			t.Fatal(err)
		}
	}
	gl.Close()
	for i, l := range ls {
		go func() {
			for {
				c, err := l.Accept()
				if err != nil {
					return
				}
				c.Write([]byte{'0' + byte(i)})
				c.Close()
			}
		}()
	}
	seen := map[string]int{}
	for n := 0; n < 200 && (seen["0"] == 0 || seen["1"] == 0); n++ {
		c, err := net.Dial("tcp", addr)
		if err != nil {
			t.Fatal(err)
		}
		c.SetDeadline(time.Now().Add(10 * time.Second))
		b, err := io.ReadAll(c)
		c.Close()
		if err != nil || len(b) != 1 {
			t.Fatalf("connection %d: read %q, %v", n, b, err)
		}
		seen[string(b)]++
	}
	t.Logf("accepted by each listener: %v", seen)
	if seen["0"] == 0 || seen["1"] == 0 {
		t.Errorf("one listener accepted everything: %v", seen)
	}
	for _, l := range ls {
		l.Close()
	}
}
