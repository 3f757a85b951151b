//go:build darwin || freebsd || linux || netbsd || openbsd

package compat

import (
	"bufio"
	"bytes"
	"fmt"
	"net"
	"os"
	"os/exec"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/nodeipc/nodeipc-go/internal/nodetest"
	"golang.org/x/sys/unix"
)

// TestGoChildEchoClosesHandles: a Node parent sends go-child echo 20
// accepted connections (with their server's connection key), a listening
// server and a UDP socket. Echo answers each message and closes each handle:
// its descriptor count stays flat, every client sees its connection end,
// server.getConnections() reports 0 and server.close() completes (the child
// answers NODE_SOCKET_NOTIFY_CLOSE with NODE_SOCKET_ALL_CLOSED).
func TestGoChildEchoClosesHandles(t *testing.T) {
	for _, node := range nodetest.Binaries(t) {
		t.Run(node.Name, func(t *testing.T) {
			node.Run(t, 2*time.Minute, nodetest.Script(t, "go-child-parent.js"), "echo-handles", goChild)
		})
	}
}

// TestGoChildSkipsBadInput: in every mode that reads messages, go-child
// logs each per-message error (a line that is not JSON, a handle of the
// wrong kind or of an unknown type, a handle message without its
// descriptor) on stderr, skips it, ignores an unsolicited ACK as Node does,
// and goes on serving;
// handles it does not serve are closed, and its descriptor count stays
// flat. Node cannot send these; the peer here is a raw socket.
func TestGoChildSkipsBadInput(t *testing.T) {
	for _, mode := range []string{"echo", "sink", "serve"} {
		t.Run(mode, func(t *testing.T) {
			p := startRawGoChild(t, mode, "TEXT")
			pr, pw, err := os.Pipe()
			if err != nil {
				t.Fatal(err)
			}
			defer pr.Close()
			defer pw.Close()
			lnFD := fdOf(t, listen(t, "tcp"))

			p.send("not json\n")
			p.send(`{"cmd":"NODE_HANDLE","type":"net.Socket","msg":"a pipe"}`+"\n", int(pw.Fd()))
			p.expectInternal("NODE_HANDLE_ACK")
			p.send(`{"cmd":"NODE_HANDLE","type":"x.Thing","msg":"unknown"}`+"\n", lnFD)
			p.expectInternal("NODE_HANDLE_ACK")
			p.send(`{"cmd":"NODE_HANDLE","type":"net.Socket","msg":"no fd"}` + "\n")
			p.expectInternal("NODE_HANDLE_NACK")
			p.send(`{"cmd":"NODE_HANDLE_ACK"}` + "\n")
			const bad = 4

			before := p.fds()
			const handles = 10
			for i := range handles {
				mine, theirs := rawSocketpair(t)
				p.send(fmt.Sprintf(`{"cmd":"NODE_HANDLE","type":"net.Socket","msg":{"h":%d}}`+"\n", i), theirs)
				unix.Close(theirs)
				p.expectInternal("NODE_HANDLE_ACK")
				switch mode {
				case "echo":
					p.expectLine(fmt.Sprintf(`{"h":%d}`, i))
				}
				got := readToEOF(t, mine)
				if mode == "serve" && got != "TEXT" || mode != "serve" && got != "" {
					t.Errorf("handle %d: the peer's end read %q before EOF", i, got)
				}
			}
			switch mode {
			case "echo", "serve":
				p.send(`{"a":1}` + "\n")
				p.expectLine(`{"a":1}`)
			case "sink":
				p.send("1\n" + `{"end":true}` + "\n")
				p.expectLine(fmt.Sprintf(`{"count":%d}`, handles+1))
			}
			if after := p.fds(); after > before {
				t.Errorf("go-child %s descriptors grew from %d to %d over %d handles", mode, before, after, handles)
			}
			code, stderr := p.finish()
			if code != 0 {
				t.Errorf("go-child %s exit code %d, want 0", mode, code)
			}
			lines := strings.Split(strings.TrimSpace(stderr), "\n")
			if len(lines) != bad {
				t.Fatalf("go-child %s logged %d lines, want %d:\n%s", mode, len(lines), bad, stderr)
			}
			for _, l := range lines {
				if !strings.HasPrefix(l, "go-child: "+mode+": nodeipc: ") || strings.Count(l, "nodeipc:") != 1 {
					t.Errorf("log line %q", l)
				}
			}
		})
	}
}

// rawGoChild is a go-child process whose channel's other end is a raw
// socket in the test.
type rawGoChild struct {
	t      *testing.T
	cmd    *exec.Cmd
	conn   *net.UnixConn
	r      *bufio.Reader
	stderr bytes.Buffer
}

func startRawGoChild(t *testing.T, args ...string) *rawGoChild {
	t.Helper()
	mine, theirs := rawSocketpair(t)
	f := os.NewFile(uintptr(theirs), "ipc")
	defer f.Close()
	mf := os.NewFile(uintptr(mine), "peer")
	c, err := net.FileConn(mf) // a duplicate
	mf.Close()
	if err != nil {
		t.Fatal(err)
	}
	p := &rawGoChild{t: t, conn: c.(*net.UnixConn)}
	p.r = bufio.NewReader(p.conn)
	p.cmd = exec.Command(goChild, args...)
	p.cmd.Env = append(os.Environ(), "NODE_CHANNEL_FD=3")
	p.cmd.ExtraFiles = []*os.File{f}
	p.cmd.Stderr = &p.stderr
	if err := p.cmd.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		p.conn.Close()
		if p.cmd.ProcessState == nil {
			p.cmd.Process.Kill()
			p.cmd.Wait()
		}
	})
	return p
}

// send writes s in one sendmsg, with the descriptors attached.
func (p *rawGoChild) send(s string, fds ...int) {
	p.t.Helper()
	var oob []byte
	if len(fds) > 0 {
		oob = unix.UnixRights(fds...)
	}
	if _, _, err := p.conn.WriteMsgUnix([]byte(s), oob, nil); err != nil {
		p.t.Fatalf("write to go-child: %v", err)
	}
}

func (p *rawGoChild) readLine() string {
	p.t.Helper()
	p.conn.SetReadDeadline(time.Now().Add(20 * time.Second))
	line, err := p.r.ReadString('\n')
	if err != nil {
		p.t.Fatalf("read from go-child: %v (stderr %q)", err, p.stderr.String())
	}
	return strings.TrimSuffix(line, "\n")
}

// expectLine reads the next line go-child wrote.
func (p *rawGoChild) expectLine(want string) {
	p.t.Helper()
	if got := p.readLine(); got != want {
		p.t.Fatalf("go-child wrote %q, want %q", got, want)
	}
}

// expectInternal reads the next line and checks it is the internal message
// with that cmd.
func (p *rawGoChild) expectInternal(cmd string) {
	p.t.Helper()
	p.expectLine(`{"cmd":"` + cmd + `"}`)
}

// fds counts go-child's open descriptors.
func (p *rawGoChild) fds() int {
	p.t.Helper()
	entries, err := os.ReadDir(fmt.Sprintf("/proc/%d/fd", p.cmd.Process.Pid))
	if err != nil {
		p.t.Fatal(err)
	}
	return len(entries)
}

// finish closes the channel and waits for go-child to exit.
func (p *rawGoChild) finish() (int, string) {
	p.t.Helper()
	p.conn.CloseWrite()
	done := make(chan error, 1)
	go func() { done <- p.cmd.Wait() }()
	select {
	case <-done:
	case <-time.After(20 * time.Second):
		p.cmd.Process.Kill()
		<-done
		p.t.Fatalf("go-child did not exit after the channel closed")
	}
	return p.cmd.ProcessState.ExitCode(), p.stderr.String()
}

// rawSocketpair returns the descriptors of a connected AF_UNIX stream pair.
func rawSocketpair(t *testing.T) (int, int) {
	t.Helper()
	syscall.ForkLock.RLock() // close-on-exec without SOCK_CLOEXEC (macOS)
	fds, err := unix.Socketpair(unix.AF_UNIX, unix.SOCK_STREAM, 0)
	if err == nil {
		unix.CloseOnExec(fds[0])
		unix.CloseOnExec(fds[1])
	}
	syscall.ForkLock.RUnlock()
	if err != nil {
		t.Fatal(err)
	}
	return fds[0], fds[1]
}

// readToEOF reads fd until EOF (within 10 s) and closes it.
func readToEOF(t *testing.T, fd int) string {
	t.Helper()
	defer unix.Close(fd)
	tv := unix.Timeval{Sec: 10}
	unix.SetsockoptTimeval(fd, unix.SOL_SOCKET, unix.SO_RCVTIMEO, &tv)
	var out []byte
	buf := make([]byte, 256)
	for {
		n, err := unix.Read(fd, buf)
		if n > 0 {
			out = append(out, buf[:n]...)
			continue
		}
		if err != nil {
			t.Errorf("read: %v (the handle was not closed)", err)
		}
		return string(out)
	}
}

// fdOf returns the descriptor of a listener, owned by it.
func fdOf(t *testing.T, l net.Listener) int {
	t.Helper()
	rc, err := l.(syscall.Conn).SyscallConn()
	if err != nil {
		t.Fatal(err)
	}
	var fd int
	rc.Control(func(f uintptr) { fd = int(f) })
	return fd
}
