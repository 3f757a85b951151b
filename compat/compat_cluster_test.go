//go:build darwin || freebsd || linux || netbsd || openbsd

package compat

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"sync"
	"testing"
	"time"

	"github.com/nodeipc/nodeipc-go/internal/nodetest"
	"github.com/nodeipc/nodeipc-go/nodeipc"
	"github.com/nodeipc/nodeipc-go/nodeipc/cluster"
)

func init() {
	helpers["cluster-worker"] = helperClusterWorker
}

// TestNodePrimaryMixedWorkers runs a Node cluster primary with two Node
// workers, a go-child http-worker and the cluster-worker helper on one
// port, under both scheduling policies.
func TestNodePrimaryMixedWorkers(t *testing.T) {
	runNodePrimary(t, "cluster-primary.js", nil, goChild, testExe(t))
}

// TestNodePrimaryMixedWorkersAdvanced is the same cluster with
// serialization: 'advanced' set on the primary.
func TestNodePrimaryMixedWorkersAdvanced(t *testing.T) {
	runNodePrimary(t, "cluster-primary.js", []string{"NODEIPC_SERIALIZATION=advanced"}, goChild, testExe(t))
}

// runNodePrimary runs the Node primary script (in testdata/node) with args
// to completion, within 2 minutes, on every pinned Node under both
// scheduling policies (NODE_CLUSTER_SCHED_POLICY), in subtests named
// <node>/rr and <node>/none; env is added to its environment.
func runNodePrimary(t *testing.T, script string, env []string, args ...string) {
	for _, node := range nodetest.Binaries(t) {
		for _, pol := range []string{"rr", "none"} {
			t.Run(node.Name+"/"+pol, func(t *testing.T) {
				cmd := node.Command(t, nodetest.Script(t, script), args...)
				cmd.Env = append(append(os.Environ(), "NODE_CLUSTER_SCHED_POLICY="+pol), env...)
				runCmd(t, cmd, 2*time.Minute)
			})
		}
	}
}

// runGoPrimary runs test on every pinned Node under both scheduling
// policies of a Go primary, in subtests named <node>/rr and <node>/none.
func runGoPrimary(t *testing.T, test func(t *testing.T, node nodetest.Node, pol cluster.Policy)) {
	for _, node := range nodetest.Binaries(t) {
		for _, pol := range []cluster.Policy{cluster.SchedRR, cluster.SchedNone} {
			name := map[cluster.Policy]string{cluster.SchedRR: "rr", cluster.SchedNone: "none"}[pol]
			t.Run(node.Name+"/"+name, func(t *testing.T) { test(t, node, pol) })
		}
	}
}

// forkWorker forks cmd as a worker of p; the worker is killed and waited
// for when the test ends (if it has not exited by then).
func forkWorker(t *testing.T, ctx context.Context, p *cluster.Primary, cmd *exec.Cmd) *cluster.Child {
	t.Helper()
	c, err := p.Fork(ctx, cmd)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { cmd.Process.Kill(); c.Wait() })
	return c
}

// disconnectWorkers disconnects every one of children but skip (nil for
// none), primary-initiated as Node's worker.disconnect() in the primary
// is: each must exit 0, disconnected, with exitedAfterDisconnect set.
func disconnectWorkers(t *testing.T, ctx context.Context, children []*cluster.Child, skip *cluster.Child) {
	t.Helper()
	for _, c := range children {
		if c == skip {
			continue
		}
		what := filepath.Base(c.Cmd().Path)
		if err := c.Disconnect(ctx); err != nil {
			t.Errorf("worker %d (%s) disconnect: %v", c.ID(), what, err)
		}
		if err := c.Wait(); err != nil {
			t.Errorf("worker %d (%s): %v", c.ID(), what, err)
		}
		if !c.ExitedAfterDisconnect() || c.State() != "disconnected" {
			t.Errorf("worker %d (%s): exitedAfterDisconnect %v state %s", c.ID(), what, c.ExitedAfterDisconnect(), c.State())
		}
	}
}

func runCmd(t *testing.T, cmd *exec.Cmd, timeout time.Duration) {
	t.Helper()
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	done := make(chan error, 1)
	go func() { done <- cmd.Wait() }()
	select {
	case err := <-done:
		if err != nil {
			t.Fatalf("%v: %v", cmd.Args, err)
		}
	case <-time.After(timeout):
		cmd.Process.Kill()
		<-done
		t.Fatalf("%v: timed out after %v", cmd.Args, timeout)
	}
}

// helperClusterWorker is a Go cluster worker: it serves HTTP on $PORT
// ("go-helper <id>"), echoes every message as {echo, kind, id}, leaves with
// Disconnect on {leave: true}, and exits 0 when the primary disconnects it.
func helperClusterWorker() int {
	w, err := cluster.NewWorker(nil)
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		return 2
	}
	defer w.Close()
	if _, ok := os.LookupEnv(nodeipc.EnvUniqueID); ok {
		fmt.Fprintln(os.Stderr, "NODE_UNIQUE_ID still set")
		return 1
	}
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	ln, err := w.Listen(ctx, "tcp", ":"+os.Getenv("PORT"))
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		return 1
	}
	text := fmt.Sprintf("go-helper %d", w.ID())
	srv := &http.Server{Handler: http.HandlerFunc(func(rw http.ResponseWriter, _ *http.Request) {
		io.WriteString(rw, text)
	})}
	go srv.Serve(ln)
	ch := w.Channel()
	for {
		m, err := ch.Recv(ctx)
		if err != nil {
			break
		}
		var v map[string]any
		if err := m.Decode(&v); err != nil {
			fmt.Fprintln(os.Stderr, err)
			return 1
		}
		if v["leave"] == true {
			sctx, scancel := context.WithTimeout(context.Background(), 10*time.Second)
			srv.Shutdown(sctx)
			err := w.Disconnect(sctx)
			scancel()
			if err != nil {
				fmt.Fprintln(os.Stderr, "disconnect:", err)
				return 1
			}
			if !w.ExitedAfterDisconnect() {
				fmt.Fprintln(os.Stderr, "ExitedAfterDisconnect false")
				return 1
			}
			return 0
		}
		if err := ch.Send(ctx, map[string]any{"echo": v, "kind": "go", "id": w.ID()}); err != nil {
			fmt.Fprintln(os.Stderr, err)
			return 1
		}
	}
	// Disconnected by the primary (or the channel ended).
	<-w.Done()
	sctx, scancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer scancel()
	srv.Shutdown(sctx)
	if err := w.Close(); err != nil && !errors.Is(err, net.ErrClosed) {
		fmt.Fprintln(os.Stderr, err)
		return 1
	}
	return 0
}

// TestGoPrimary runs a Go cluster primary with Node workers (plain
// http.createServer().listen(port) scripts) and a go-child http-worker on
// one port, under both scheduling policies.
func TestGoPrimary(t *testing.T) {
	runGoPrimary(t, testGoPrimary)
}

func testGoPrimary(t *testing.T, node nodetest.Node, pol cluster.Policy) {
	ctx, cancel := context.WithTimeout(context.Background(), 90*time.Second)
	defer cancel()
	port := freePort(t)
	p := cluster.NewPrimary(&cluster.PrimaryOptions{SchedulingPolicy: pol})
	defer p.Close()

	var children []*cluster.Child
	bodies := map[int]string{} // worker id -> its HTTP answer
	fork := func(cmd *exec.Cmd, kind string) {
		cmd.Env = append(os.Environ(), "PORT="+strconv.Itoa(port))
		c := forkWorker(t, ctx, p, cmd)
		children = append(children, c)
		bodies[c.ID()] = kind
		if kind == "node" {
			bodies[c.ID()] = fmt.Sprintf("node %d", c.ID())
		}
	}
	script := nodetest.Script(t, "cluster-worker.js")
	for range 3 {
		fork(node.Command(t, script), "node")
	}
	goCmd := exec.Command(goChild, "http-worker", "go")
	goCmd.Stdout, goCmd.Stderr = os.Stderr, os.Stderr
	fork(goCmd, "go")

	for _, c := range children {
		if err := c.Online(ctx); err != nil {
			t.Fatalf("worker %d: %v", c.ID(), err)
		}
		info, err := c.Listening(ctx)
		if err != nil {
			t.Fatalf("worker %d: %v", c.ID(), err)
		}
		if info.Port != port {
			t.Errorf("worker %d listening on %+v, want port %d", c.ID(), info, port)
		}
	}

	counts := httpLoad(t, port, 200)
	t.Logf("%d requests: %v", 200, counts)
	if pol == cluster.SchedRR {
		// The primary hands connections out in turn: every worker serves.
		for _, c := range children {
			if counts[bodies[c.ID()]] == 0 {
				t.Errorf("worker %d served nothing: %v", c.ID(), counts)
			}
		}
	}

	// Messages both ways with a Node worker.
	ch := children[0].Channel()
	if err := ch.Send(ctx, map[string]any{"ping": 1}); err != nil {
		t.Fatal(err)
	}
	m, err := ch.Recv(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if got, want := m.String(), fmt.Sprintf(`{"echo":{"ping":1},"kind":"node","id":%d}`, children[0].ID()); got != want {
		t.Errorf("echo = %s, want %s", got, want)
	}

	// Worker-initiated disconnect.
	leaver := children[1]
	if err := leaver.Channel().Send(ctx, map[string]any{"leave": true}); err != nil {
		t.Fatal(err)
	}
	select {
	case <-leaver.Done():
	case <-ctx.Done():
		t.Fatal("worker did not disconnect")
	}
	if err := leaver.Wait(); err != nil {
		t.Errorf("leaving worker: %v", err)
	}
	if !leaver.ExitedAfterDisconnect() {
		t.Error("leaving worker: ExitedAfterDisconnect false")
	}
	counts = httpLoad(t, port, 30)
	t.Logf("after one left: %v", counts)

	// Graceful shutdown: disconnect the rest; each exits 0.
	disconnectWorkers(t, ctx, children, leaver)
	// Every server is gone: the port is free again.
	ln, err := net.Listen("tcp", ":"+strconv.Itoa(port))
	if err != nil {
		t.Errorf("port still in use after shutdown: %v", err)
	} else {
		ln.Close()
	}
}

func freePort(t *testing.T) int {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	return ln.Addr().(*net.TCPAddr).Port
}

// httpLoad sends n requests without keep-alive, 8 at a time, and counts the
// answers by body; every request must be answered.
func httpLoad(t *testing.T, port, n int) map[string]int {
	t.Helper()
	client := &http.Client{Transport: &http.Transport{DisableKeepAlives: true}, Timeout: 20 * time.Second}
	defer client.CloseIdleConnections()
	url := fmt.Sprintf("http://127.0.0.1:%d/", port)
	var mu sync.Mutex
	counts := map[string]int{}
	var wg sync.WaitGroup
	jobs := make(chan int)
	for range 8 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for range jobs {
				resp, err := client.Get(url)
				if err != nil {
					t.Error(err)
					continue
				}
				body, err := io.ReadAll(resp.Body)
				resp.Body.Close()
				if err != nil {
					t.Error(err)
					continue
				}
				mu.Lock()
				counts[string(body)]++
				mu.Unlock()
			}
		}()
	}
	for i := range n {
		jobs <- i
	}
	close(jobs)
	wg.Wait()
	total := 0
	for _, v := range counts {
		total += v
	}
	if total != n {
		t.Errorf("%d of %d requests answered: %v", total, n, counts)
	}
	return counts
}
