//go:build darwin || freebsd || linux || netbsd || openbsd

package compat

import (
	"bufio"
	"encoding/json"
	"errors"
	"fmt"
	"net"
	"os"
	"os/exec"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/nodeipc/nodeipc-go/internal/nodetest"
	"github.com/nodeipc/nodeipc-go/nodeipc"
	"golang.org/x/sys/unix"
)

// Fault tests: the peer dies, stops, or the Go side goes away at the worst
// moment, on every pinned Node version.

func init() {
	helpers["fault"] = helperFault
	helpers["fd-report"] = helperFDReport
}

func TestFaults(t *testing.T) {
	for _, node := range nodetest.Binaries(t) {
		t.Run(node.Name, func(t *testing.T) {
			t.Run("sigkill-mid-frame", func(t *testing.T) { testKillMidFrame(t, node) })
			t.Run("sigkill-while-go-awaits-ack", func(t *testing.T) { testKillAwaitingAck(t, node) })
			t.Run("go-exits-while-node-awaits-ack", func(t *testing.T) { testGoExitsAwaitingAck(t, node) })
			t.Run("exit-inside-32MiB-message", func(t *testing.T) { testExitInsideBigMessage(t, node) })
			t.Run("grandchild-inherits-nothing", func(t *testing.T) {
				node.Run(t, 2*time.Minute, nodetest.Script(t, "fault-parent.js"), testExe(t), "fault", "grandchild")
			})
			t.Run("invalid-utf8-as-node-decodes-it", func(t *testing.T) { testInvalidUTF8(t, node) })
		})
	}
}

// startFaultChild starts testdata/node/fault-child.js MODE with a channel
// and returns its stdout as a line reader.
func startFaultChild(t *testing.T, node nodetest.Node, mode string) (*nodeipc.Channel, *exec.Cmd, *bufio.Reader) {
	t.Helper()
	cmd := exec.Command(node.Path, nodetest.Script(t, "fault-child.js"), mode)
	cmd.Stderr = os.Stderr
	out, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	return startNode(t, cmd, nil), cmd, bufio.NewReader(out)
}

func waitDone(t *testing.T, ch *nodeipc.Channel) {
	t.Helper()
	select {
	case <-ch.Done():
	case <-time.After(30 * time.Second):
		t.Fatal("Done not closed")
	}
}

// drain returns the messages still queued and the error that ends them.
func drain(t *testing.T, ch *nodeipc.Channel) ([]string, error) {
	var got []string
	for {
		m, err := ch.Recv(testCtx(t))
		if err != nil {
			return got, err
		}
		got = append(got, string(m.Raw()))
	}
}

// The Node child writes two frames and half of a third, then is killed
// with SIGKILL: Done fires, Err wraps ErrDisconnected (EOF inside a
// message), and the two complete messages are still returned by Recv.
func testKillMidFrame(t *testing.T, node nodetest.Node) {
	ch, cmd, out := startFaultChild(t, node, "partial")
	line, err := out.ReadString('\n')
	if err != nil || line != "partial-written\n" {
		t.Fatalf("child stdout %q, %v", line, err)
	}
	time.Sleep(50 * time.Millisecond) // let the half frame reach our buffer
	if err := cmd.Process.Signal(syscall.SIGKILL); err != nil {
		t.Fatal(err)
	}
	waitDone(t, ch)
	got, err := drain(t, ch)
	if want := []string{`{"n":1}`, `{"n":2}`}; strings.Join(got, " ") != strings.Join(want, " ") {
		t.Errorf("messages before the kill: %q, want %q", got, want)
	}
	if !errors.Is(err, nodeipc.ErrDisconnected) || !errors.Is(ch.Err(), nodeipc.ErrDisconnected) {
		t.Errorf("Recv error %v, Err %v; want ErrDisconnected", err, ch.Err())
	}
	if !strings.Contains(ch.Err().Error(), "EOF inside a message") {
		t.Errorf("Err = %v, want EOF inside a message", ch.Err())
	}
	if err := ch.Send(testCtx(t), 1); !errors.Is(err, nodeipc.ErrDisconnected) {
		t.Errorf("Send after the kill: %v", err)
	}
}

// Go sends a handle to a Node child that is stopped (SIGSTOP) and so never
// answers, with more messages queued behind it; then the child is killed.
// SendHandle and every queued Send return an error wrapping
// ErrDisconnected: nothing is silently dropped.
func testKillAwaitingAck(t *testing.T, node nodetest.Node) {
	ch, cmd, _ := startFaultChild(t, node, "idle")
	ctx := testCtx(t)
	if m, err := ch.Recv(ctx); err != nil || string(m.Raw()) != `{"ready":1}` {
		t.Fatalf("ready: %v %v", m, err)
	}
	if err := cmd.Process.Signal(syscall.SIGSTOP); err != nil {
		t.Fatal(err)
	}
	ln := listen(t, "tcp")
	handleErr := make(chan error, 1)
	go func() {
		handleErr <- ch.SendHandle(ctx, map[string]string{"take": "server"}, ln.(*net.TCPListener), nil)
	}()
	time.Sleep(200 * time.Millisecond) // the envelope is written; the ACK never comes
	select {
	case err := <-handleErr:
		t.Fatalf("SendHandle returned %v before any ACK", err)
	default:
	}
	const queued = 3
	sendErr := make(chan error, queued)
	for i := 0; i < queued; i++ {
		go func() { sendErr <- ch.Send(ctx, map[string]int{"queued": i}) }()
	}
	time.Sleep(100 * time.Millisecond)
	select {
	case err := <-sendErr:
		t.Fatalf("a Send behind the handle returned %v before the ACK", err)
	default:
	}
	if err := cmd.Process.Signal(syscall.SIGKILL); err != nil {
		t.Fatal(err)
	}
	select {
	case err := <-handleErr:
		if !errors.Is(err, nodeipc.ErrDisconnected) {
			t.Errorf("SendHandle: %v, want ErrDisconnected", err)
		}
	case <-time.After(30 * time.Second):
		t.Fatal("SendHandle did not return after the peer died")
	}
	for i := 0; i < queued; i++ {
		select {
		case err := <-sendErr:
			if !errors.Is(err, nodeipc.ErrDisconnected) {
				t.Errorf("queued Send: %v, want ErrDisconnected", err)
			}
		case <-time.After(30 * time.Second):
			t.Fatal("queued Send did not return after the peer died")
		}
	}
	waitDone(t, ch)
	if !errors.Is(ch.Err(), nodeipc.ErrDisconnected) {
		t.Errorf("Err = %v", ch.Err())
	}
	// Our listener is still ours and still works (the duplicate that was
	// being sent has been closed).
	go func() {
		if c, err := net.Dial("tcp", ln.Addr().String()); err == nil {
			c.Close()
		}
	}()
	if c, err := ln.Accept(); err != nil {
		t.Errorf("listener after the failed transfer: %v", err)
	} else {
		c.Close()
	}
}

// faultObservation is what fault-parent.js handle-no-ack reports.
type faultObservation struct {
	Disconnect     bool
	Exit           struct{ Code *int }
	SendCallback   *string
	LaterSend      *string
	SendErrorEvent *string
	SendReturn     *bool
	Connected      bool
	ChannelNull    bool
}

// A Node parent sends a handle to a Go child that exits without answering.
// Node must notice the child's end: 'exit' fires. Whether 'disconnect'
// fires and what happens to the send queued behind the handle is recorded
// (docs/PROTOCOL.md §9.2: no 'disconnect' while a handle awaits its ACK).
func testGoExitsAwaitingAck(t *testing.T, node nodetest.Node) {
	cmd := exec.Command(node.Path, nodetest.Script(t, "fault-parent.js"), testExe(t), "fault", "handle-no-ack")
	cmd.Stderr = os.Stderr
	cmd.WaitDelay = 5 * time.Second
	done := make(chan struct{})
	var out []byte
	var err error
	go func() { out, err = cmd.Output(); close(done) }()
	select {
	case <-done:
	case <-time.After(time.Minute):
		cmd.Process.Kill()
		<-done
		t.Fatalf("Node parent did not notice the child's exit: %s", out)
	}
	if err != nil {
		t.Fatalf("fault-parent.js: %v\n%s", err, out)
	}
	s := string(out)
	i := strings.Index(s, "observed: ")
	if i < 0 {
		t.Fatalf("no observation in %q", s)
	}
	var obs faultObservation
	if err := json.Unmarshal([]byte(strings.TrimSpace(s[i+len("observed: "):])), &obs); err != nil {
		t.Fatalf("observation %q: %v", s[i:], err)
	}
	t.Logf("%s %s: Node saw %s", node.Name, node.Version, strings.TrimSpace(s[i+len("observed: "):]))
	if obs.Exit.Code == nil || *obs.Exit.Code != 0 {
		t.Errorf("child exit not seen as code 0: %s", s)
	}
	if obs.Connected || !obs.ChannelNull {
		t.Errorf("after the child's exit: connected %v, channel null %v", obs.Connected, obs.ChannelNull)
	}
	if obs.Disconnect {
		t.Errorf("'disconnect' fired although a handle awaited its ACK (docs/PROTOCOL.md §9.2 says it does not)")
	}
	// Observed on 18-26: the message queued behind the handle is dropped
	// without its callback ever being called and without an 'error' event.
	if obs.LaterSend != nil || obs.SendErrorEvent != nil {
		t.Errorf("queued send reported %v / error event %v; Node 18-26 report nothing", obs.LaterSend, obs.SendErrorEvent)
	}
}

// The Node child sends a small message, then a 32 MiB one, and exits
// before libuv wrote it all: the Go side keeps the first message and
// reports ErrDisconnected with "EOF inside a message".
func testExitInsideBigMessage(t *testing.T, node nodetest.Node) {
	ch, cmd, _ := startFaultChild(t, node, "big-exit")
	waitDone(t, ch)
	got, err := drain(t, ch)
	if len(got) != 1 || got[0] != `{"before":1}` {
		t.Errorf("messages: %d (%.40q), want only {\"before\":1}", len(got), got)
	}
	if !errors.Is(err, nodeipc.ErrDisconnected) || !strings.Contains(fmt.Sprint(ch.Err()), "EOF inside a message") {
		t.Errorf("Recv error %v, Err %v; want ErrDisconnected, EOF inside a message", err, ch.Err())
	}
	if err := cmd.Wait(); err != nil {
		t.Errorf("child: %v", err)
	}
}

// Ill-formed UTF-8 sent raw to Node: Node's decoded value (echoed back as
// JSON.stringify text) is what Message.Decode gives for the same bytes.
func testInvalidUTF8(t *testing.T, node nodetest.Node) {
	ch, _ := startChild(t, node, nil, "reflect")
	ctx := testCtx(t)
	for _, c := range []struct{ wire, want string }{
		{"\"a\xffb\"", "a\uFFFDb"},
		{"\"a\xe2\x82b\"", "a\uFFFDb"},
		{"\"\xed\xa0\x80\"", "\uFFFD\uFFFD\uFFFD"},
		{"\"\xf0\x9f\x98\"", "\uFFFD"},
		{"\"\xc0\xaf\"", "\uFFFD\uFFFD"},
		{"\"\xf4\x90\x80\x80z\"", "\uFFFD\uFFFD\uFFFD\uFFFDz"},
	} {
		if err := ch.SendRaw(ctx, []byte(c.wire)); err != nil {
			t.Fatal(err)
		}
		m, err := ch.Recv(ctx)
		if err != nil {
			t.Fatal(err)
		}
		var nodeText string
		if err := m.Decode(&nodeText); err != nil {
			t.Fatal(err)
		}
		if want := strconv.Quote(c.want); nodeText != `"`+c.want+`"` {
			t.Errorf("%q: Node decoded %s, want %s", c.wire, nodeText, want)
		}
	}
}

// helperFault is the Go child of fault-parent.js.
func helperFault() int {
	mode := ""
	if len(os.Args) > 1 {
		mode = os.Args[len(os.Args)-1]
	}
	switch mode {
	case "handle-no-ack":
		return helperHandleNoAck()
	case "grandchild":
		return helperGrandchild()
	}
	fmt.Fprintf(os.Stderr, "fault helper: unknown mode %q\n", mode)
	return 2
}

// helperHandleNoAck reads the raw channel until the NODE_HANDLE envelope
// arrived (with its fd), then exits without answering. It deliberately
// does not use nodeipc, which would ACK.
func helperHandleNoAck() int {
	fd, err := strconv.Atoi(os.Getenv(nodeipc.EnvChannelFD))
	if err != nil {
		fmt.Fprintln(os.Stderr, "handle-no-ack: NODE_CHANNEL_FD:", err)
		return 2
	}
	buf := make([]byte, 64<<10)
	oob := make([]byte, unix.CmsgSpace(4*4))
	var got []byte
	for !strings.Contains(string(got), `"NODE_HANDLE"`) || !strings.Contains(string(got), "\n") {
		n, _, _, _, err := unix.Recvmsg(fd, buf, oob, 0) // exits without exec: no CLOEXEC needed
		if err == unix.EAGAIN || err == unix.EINTR {
			time.Sleep(5 * time.Millisecond)
			continue
		}
		if err != nil || n == 0 {
			fmt.Fprintln(os.Stderr, "handle-no-ack: read:", err, n)
			return 1
		}
		got = append(got, buf[:n]...)
	}
	return 0 // exit: the kernel closes the channel and the received fd
}

// helperGrandchild starts a grandchild and checks that it inherits neither
// the channel's descriptor nor its environment variables: its descriptors
// are 0, 1, 2 and nothing else, except descriptors that reached this
// process from further up (not close-on-exec, not the channel: the test
// environment may pass such a descriptor down to every process).
func helperGrandchild() int {
	chanFD := os.Getenv(nodeipc.EnvChannelFD)
	var passed []string
	for _, n := range rawFDs() {
		fd, _ := strconv.Atoi(n)
		if fd <= 2 || n == chanFD {
			continue
		}
		if flags, err := unix.FcntlInt(uintptr(fd), unix.F_GETFD, 0); err == nil && flags&unix.FD_CLOEXEC == 0 {
			passed = append(passed, n)
		}
	}
	ch, err := nodeipc.FromEnv(nil)
	if err != nil {
		fmt.Fprintln(os.Stderr, "grandchild:", err)
		return 2
	}
	defer ch.Close()
	exe, err := os.Executable()
	if err != nil {
		fmt.Fprintln(os.Stderr, "grandchild:", err)
		return 2
	}
	cmd := exec.Command(exe)
	cmd.Env = append(os.Environ(), "NODEIPC_TEST_HELPER=fd-report")
	cmd.Stderr = os.Stderr
	out, err := cmd.Output()
	if err != nil {
		fmt.Fprintln(os.Stderr, "grandchild:", err)
		return 1
	}
	report := strings.TrimSpace(string(out))
	want := fmt.Sprintf("fds=%s NODE_CHANNEL_FD=<unset> NODE_CHANNEL_SERIALIZATION_MODE=<unset>", strings.Join(append([]string{"0", "1", "2"}, passed...), ","))
	if report != want {
		fmt.Fprintf(os.Stderr, "grandchild inherited too much:\n got  %s\n want %s (channel was fd %s)\n", report, want, chanFD)
		return 1
	}
	fmt.Fprintf(os.Stderr, "grandchild: %s (channel was fd %s)\n", report, chanFD)
	return 0
}

// rawFDs lists this process's descriptors with raw system calls, so that
// no descriptor of the runtime's poller appears, without the one used for
// the listing.
func rawFDs() []string {
	dfd, err := unix.Open("/proc/self/fd", unix.O_RDONLY|unix.O_DIRECTORY|unix.O_CLOEXEC, 0)
	if err != nil {
		return nil
	}
	defer unix.Close(dfd)
	var names []string
	buf := make([]byte, 8192)
	for {
		n, err := unix.ReadDirent(dfd, buf)
		if err != nil || n == 0 {
			break
		}
		_, _, names = syscall.ParseDirent(buf[:n], -1, names)
	}
	var out []string
	for _, n := range names {
		if n != strconv.Itoa(dfd) {
			out = append(out, n)
		}
	}
	return out
}

// helperFDReport prints this process's descriptors and the channel
// variables.
func helperFDReport() int {
	var fds []string
	for _, n := range rawFDs() {
		target, _ := os.Readlink("/proc/self/fd/" + n)
		if strings.HasPrefix(target, "/sys/fs/cgroup/") {
			continue // the Go runtime's own (cgroup-aware GOMAXPROCS)
		}
		fds = append(fds, n)
	}
	env := func(k string) string {
		if v, ok := os.LookupEnv(k); ok {
			return v
		}
		return "<unset>"
	}
	fmt.Printf("fds=%s %s=%s %s=%s\n", strings.Join(fds, ","),
		nodeipc.EnvChannelFD, env(nodeipc.EnvChannelFD), nodeipc.EnvSerializationMode, env(nodeipc.EnvSerializationMode))
	return 0
}
