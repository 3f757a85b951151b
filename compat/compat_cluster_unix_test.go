//go:build darwin || freebsd || linux || netbsd || openbsd

package compat

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/nodeipc/nodeipc-go/internal/nodetest"
	"github.com/nodeipc/nodeipc-go/nodeipc/cluster"
)

func init() {
	helpers["cluster-unix-udp"] = helperClusterUnixUDP
	helpers["cluster-query-shape"] = helperClusterQueryShape
}

// helperClusterQueryShape opens the servers cluster-query-shape.js's Node
// worker opens, copying the Node version in $NODE_MAJOR, and waits for
// the primary to disconnect it.
func helperClusterQueryShape() int {
	major, _ := strconv.Atoi(os.Getenv("NODE_MAJOR"))
	w, err := cluster.NewWorker(&cluster.WorkerOptions{NodeMajor: major})
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		return 2
	}
	defer w.Close()
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	for _, l := range []struct {
		network, address string
		opts             *cluster.ListenOptions
	}{
		{"tcp", ":0", nil},
		{"tcp", "127.0.0.1:0", nil},
		{"tcp", "[::1]:0", &cluster.ListenOptions{IPv6Only: true, Backlog: 77}},
		{"unix", os.Getenv("SOCK"), nil},
	} {
		if _, err := w.ListenWith(ctx, l.network, l.address, l.opts); err != nil {
			fmt.Fprintln(os.Stderr, err)
			return 1
		}
	}
	if _, err := w.ListenPacket(ctx, "udp4", "127.0.0.1:0", nil); err != nil {
		fmt.Fprintln(os.Stderr, err)
		return 1
	}
	if _, err := w.ListenPacket(ctx, "udp6", "[::1]:0", &cluster.ListenOptions{IPv6Only: true, ReuseAddr: true}); err != nil {
		fmt.Fprintln(os.Stderr, err)
		return 1
	}
	if err := w.Channel().Send(ctx, map[string]any{"ready": true}); err != nil {
		fmt.Fprintln(os.Stderr, err)
		return 1
	}
	<-w.Done()
	return 0
}

// TestClusterQueryShape checks that a Go worker's queryServer and
// listening messages equal a Node worker's, for every kind of server, on
// every pinned Node version.
func TestClusterQueryShape(t *testing.T) {
	for _, node := range nodetest.Binaries(t) {
		t.Run(node.Name, func(t *testing.T) {
			cmd := node.Command(t, nodetest.Script(t, "cluster-query-shape.js"), testExe(t))
			runCmd(t, cmd, time.Minute)
		})
	}
}

// helperClusterUnixUDP is the Go twin of cluster-unix-udp.js's worker: a
// server on $SOCK ("go <id>\n"), an exclusive one on $SOCK.x<id>
// ("x go <id>\n"), and a udp4 socket on 127.0.0.1:$UDP_PORT answering
// "go <id> <datagram>"; {ready: true} once all three are up; exit 0 when
// the primary disconnects it.
func helperClusterUnixUDP() int {
	w, err := cluster.NewWorker(nil)
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		return 2
	}
	defer w.Close()
	fail := func(err error) int { fmt.Fprintln(os.Stderr, "go worker:", err); return 1 }
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	id, sock := w.ID(), os.Getenv("SOCK")
	ln, err := w.Listen(ctx, "unix", sock)
	if err != nil {
		return fail(err)
	}
	if a := ln.Addr(); a.Network() != "unix" || a.String() != sock {
		return fail(fmt.Errorf("listener address %s %s, want unix %s", a.Network(), a, sock))
	}
	x, err := w.ListenWith(ctx, "unix", fmt.Sprintf("%s.x%d", sock, id), &cluster.ListenOptions{Exclusive: true})
	if err != nil {
		return fail(err)
	}
	pc, err := w.ListenPacket(ctx, "udp4", "127.0.0.1:"+os.Getenv("UDP_PORT"), nil)
	if err != nil {
		return fail(err)
	}
	serve := func(l net.Listener, text string) {
		for {
			c, err := l.Accept()
			if err != nil {
				return
			}
			io.WriteString(c, text)
			c.Close()
		}
	}
	go serve(ln, fmt.Sprintf("go %d\n", id))
	go serve(x, fmt.Sprintf("x go %d\n", id))
	go func() {
		buf := make([]byte, 2048)
		for {
			n, addr, err := pc.ReadFrom(buf)
			if err != nil {
				return
			}
			pc.WriteTo(fmt.Appendf(nil, "go %d %s", id, buf[:n]), addr)
		}
	}()
	if err := w.Channel().Send(ctx, map[string]any{"ready": true, "kind": "go", "id": id}); err != nil {
		return fail(err)
	}
	<-w.Done()
	x.Close()
	if err := w.Close(); err != nil && !errors.Is(err, net.ErrClosed) {
		return fail(err)
	}
	return 0
}

// TestNodePrimaryUnixUDP runs cluster-unix-udp.js: a Node primary with
// Node and Go workers on one Unix socket path and one UDP port.
func TestNodePrimaryUnixUDP(t *testing.T) {
	runNodePrimary(t, "cluster-unix-udp.js", nil, testExe(t))
}

// TestGoPrimaryUnixUDP is the same cluster under a Go primary.
func TestGoPrimaryUnixUDP(t *testing.T) {
	runGoPrimary(t, testGoPrimaryUnixUDP)
}

func testGoPrimaryUnixUDP(t *testing.T, node nodetest.Node, pol cluster.Policy) {
	ctx, cancel := context.WithTimeout(context.Background(), 90*time.Second)
	defer cancel()
	dir, err := os.MkdirTemp("", "nodeipc-cl-")
	if err != nil {
		t.Fatal(err)
	}
	defer os.RemoveAll(dir)
	sock := filepath.Join(dir, "s.sock")
	udpPort := freeUDPPort(t)
	p := cluster.NewPrimary(&cluster.PrimaryOptions{SchedulingPolicy: pol})
	defer p.Close()

	var mu sync.Mutex
	var children []*cluster.Child
	fork := func(kind string) *cluster.Child {
		var cmd *exec.Cmd
		if kind == "node" {
			cmd = node.Command(t, nodetest.Script(t, "cluster-unix-udp.js"))
			cmd.Env = os.Environ()
		} else {
			cmd = exec.Command(testExe(t))
			cmd.Stdout, cmd.Stderr = os.Stderr, os.Stderr
			cmd.Env = append(os.Environ(), "NODEIPC_TEST_HELPER=cluster-unix-udp")
		}
		cmd.Env = append(cmd.Env, "SOCK="+sock, "UDP_PORT="+strconv.Itoa(udpPort))
		c := forkWorker(t, ctx, p, cmd)
		m, err := c.Channel().Recv(ctx)
		if err != nil {
			t.Fatalf("%s worker %d: %v", kind, c.ID(), err)
		}
		var ready struct {
			Ready bool
			Kind  string
			ID    int
		}
		if err := m.Decode(&ready); err != nil || !ready.Ready || ready.Kind != kind || ready.ID != c.ID() {
			t.Fatalf("worker %d (%s) said %s (%v)", c.ID(), kind, m, err)
		}
		mu.Lock()
		children = append(children, c)
		mu.Unlock()
		return c
	}
	var wg sync.WaitGroup
	for _, kind := range []string{"node", "go", "node", "go"} {
		wg.Add(1)
		go func() { defer wg.Done(); fork(kind) }()
	}
	wg.Wait()
	if t.Failed() {
		return
	}

	counts := map[string]int{}
	total := 0
	for total < 3000 && (counts["node"] == 0 || counts["go"] == 0) {
		unixLoad(t, sock, 200, counts, nil)
		total += 200
	}
	t.Logf("unix: %d connections %v", total, counts)
	if counts["node"] == 0 || counts["go"] == 0 {
		t.Errorf("not both kinds served the socket path: %v", counts)
	}
	ucounts := map[string]int{}
	utotal := 0
	for utotal < 3000 && (ucounts["node"] == 0 || ucounts["go"] == 0) {
		if err := udpLoad(udpPort, 200, ucounts); err != nil {
			t.Fatal(err)
		}
		utotal += 200
	}
	t.Logf("udp: %d datagrams, all answered: %v", utotal, ucounts)
	if ucounts["node"] == 0 || ucounts["go"] == 0 {
		t.Errorf("not both kinds answered datagrams: %v", ucounts)
	}
	for _, c := range children {
		body, err := unixGet(fmt.Sprintf("%s.x%d", sock, c.ID()))
		if err != nil || !strings.HasPrefix(body, "x ") || !strings.HasSuffix(body, " "+strconv.Itoa(c.ID())) {
			t.Errorf("exclusive server of worker %d: %q %v", c.ID(), body, err)
		}
	}

	// Kill a Go worker and replace it while clients keep connecting.
	var victim *cluster.Child
	for _, c := range children {
		if c.Cmd().Path == testExe(t) {
			victim = c
			break
		}
	}
	var stop atomic.Bool
	var failures atomic.Int64
	during := map[string]int{}
	loadDone := make(chan struct{})
	go func() {
		defer close(loadDone)
		for !stop.Load() {
			unixLoad(t, sock, 16, during, &failures)
		}
	}()
	time.Sleep(100 * time.Millisecond)
	victim.Cmd().Process.Kill()
	<-victim.Done()
	victim.Wait()
	replacement := fork("go")
	time.Sleep(200 * time.Millisecond)
	stop.Store(true)
	<-loadDone
	t.Logf("during kill and replace: %v, %d failed", during, failures.Load())
	if failures.Load() > 8 {
		t.Errorf("%d connections failed while a worker was replaced", failures.Load())
	}
	after := map[string]int{}
	unixLoad(t, sock, 100, after, nil)
	if err := udpLoad(udpPort, 100, after); err != nil {
		t.Error(err)
	}
	t.Logf("after the replacement: %v", after)
	if body, err := unixGet(fmt.Sprintf("%s.x%d", sock, replacement.ID())); err != nil || body != fmt.Sprintf("x go %d", replacement.ID()) {
		t.Errorf("replacement's exclusive server: %q %v", body, err)
	}

	disconnectWorkers(t, ctx, children, victim)
	if _, err := os.Stat(sock); !errors.Is(err, os.ErrNotExist) {
		t.Errorf("socket path still there after shutdown: %v", err)
	}
	// The UDP port is free again: the primary closed the shared socket.
	if pc, err := net.ListenPacket("udp4", "127.0.0.1:"+strconv.Itoa(udpPort)); err != nil {
		t.Errorf("UDP port still bound after shutdown: %v", err)
	} else {
		pc.Close()
	}
}

func freeUDPPort(t *testing.T) int {
	pc, err := net.ListenPacket("udp4", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer pc.Close()
	return pc.LocalAddr().(*net.UDPAddr).Port
}

func unixGet(path string) (string, error) {
	c, err := net.DialTimeout("unix", path, 5*time.Second)
	if err != nil {
		return "", err
	}
	defer c.Close()
	c.SetDeadline(time.Now().Add(5 * time.Second))
	b, err := io.ReadAll(c)
	return strings.TrimSpace(string(b)), err
}

// unixLoad makes n connections, 8 at a time, and counts the answers by
// kind. With failures nil every connection must be answered; otherwise
// failures are counted there.
func unixLoad(t *testing.T, path string, n int, counts map[string]int, failures *atomic.Int64) {
	t.Helper()
	var mu sync.Mutex
	jobs := make(chan int)
	var wg sync.WaitGroup
	for range 8 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for range jobs {
				body, err := unixGet(path)
				kind, _, _ := strings.Cut(body, " ")
				if err == nil && kind != "node" && kind != "go" {
					err = fmt.Errorf("unexpected answer %q", body)
				}
				if err != nil {
					if failures != nil {
						failures.Add(1)
					} else {
						t.Error(err)
					}
					continue
				}
				mu.Lock()
				counts[kind]++
				mu.Unlock()
			}
		}()
	}
	for i := range n {
		jobs <- i
	}
	close(jobs)
	wg.Wait()
}

// udpLoad sends n datagrams, 8 in flight, each with its own tag, and
// fails if any is not answered within 5 seconds.
func udpLoad(port, n int, counts map[string]int) error {
	conn, err := net.ListenPacket("udp4", "127.0.0.1:0")
	if err != nil {
		return err
	}
	defer conn.Close()
	dst := &net.UDPAddr{IP: net.IPv4(127, 0, 0, 1), Port: port}
	var mu sync.Mutex
	waiting := map[string]chan string{}
	go func() {
		buf := make([]byte, 2048)
		for {
			m, _, err := conn.ReadFrom(buf)
			if err != nil {
				return
			}
			f := strings.Fields(string(buf[:m]))
			if len(f) != 3 {
				continue
			}
			mu.Lock()
			ch := waiting[f[2]]
			delete(waiting, f[2])
			mu.Unlock()
			if ch != nil {
				ch <- f[0]
			}
		}
	}()
	var next atomic.Int64
	errs := make(chan error, 8)
	for range 8 {
		go func() {
			for {
				i := next.Add(1) - 1
				if i >= int64(n) {
					errs <- nil
					return
				}
				tag := "d" + strconv.FormatInt(i, 10)
				ch := make(chan string, 1)
				mu.Lock()
				waiting[tag] = ch
				mu.Unlock()
				conn.WriteTo([]byte(tag), dst)
				select {
				case kind := <-ch:
					mu.Lock()
					counts[kind]++
					mu.Unlock()
				case <-time.After(5 * time.Second):
					errs <- fmt.Errorf("datagram %s not answered", tag)
					return
				}
			}
		}()
	}
	var first error
	for range 8 {
		if err := <-errs; err != nil && first == nil {
			first = err
		}
	}
	return first
}

// TestGoPrimaryFDAndErrors: under a Go primary a Node worker's
// listen({fd}) is served on the primary's descriptor (by the policy), and
// the errors for a bad descriptor, a socket path in use and a UDP port in
// use reach the worker as Node's primary gives them.
func TestGoPrimaryFDAndErrors(t *testing.T) {
	runGoPrimary(t, testGoPrimaryFD)
}

func testGoPrimaryFD(t *testing.T, node nodetest.Node, pol cluster.Policy) {
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	ln := listen(t, "tcp")
	lf, err := ln.(*net.TCPListener).File()
	if err != nil {
		t.Fatal(err)
	}
	defer lf.Close()
	busy := filepath.Join(t.TempDir(), "busy")
	if err := os.WriteFile(busy, nil, 0o600); err != nil {
		t.Fatal(err)
	}
	pc := listenUDP(t)

	p := cluster.NewPrimary(&cluster.PrimaryOptions{SchedulingPolicy: pol})
	defer p.Close()
	cmd := node.Command(t, nodetest.Script(t, "cluster-fd-worker.js"))
	cmd.Env = append(os.Environ(), "FD="+strconv.Itoa(int(lf.Fd())), "BUSY_PATH="+busy,
		"BUSY_UDP="+strconv.Itoa(pc.LocalAddr().(*net.UDPAddr).Port))
	c := forkWorker(t, ctx, p, cmd)
	m, err := c.Channel().Recv(ctx)
	if err != nil {
		t.Fatal(err)
	}
	var ready struct {
		Ready  bool
		Errors map[string]string
	}
	if err := m.Decode(&ready); err != nil {
		t.Fatal(err)
	}
	want := map[string]string{"badfd": "EINVAL bind", "busypath": "EADDRINUSE bind", "busyudp": "EADDRINUSE bind", "udp6": "bound IPv6"}
	for k, v := range want {
		if ready.Errors[k] != v {
			t.Errorf("%s: worker got %q, want %q (all: %v)", k, ready.Errors[k], v, ready.Errors)
		}
	}
	// The primary's own listening socket now serves the worker.
	for range 5 {
		c2, err := net.DialTimeout("tcp", ln.Addr().String(), 5*time.Second)
		if err != nil {
			t.Fatal(err)
		}
		c2.SetDeadline(time.Now().Add(5 * time.Second))
		b, err := io.ReadAll(c2)
		c2.Close()
		if got := string(b); err != nil || got != "fd "+strconv.Itoa(c.ID()) {
			t.Fatalf("connection to the fd server: %q %v", got, err)
		}
	}
	if err := c.Disconnect(ctx); err != nil {
		t.Error(err)
	}
	if err := c.Wait(); err != nil {
		t.Error(err)
	}
}
