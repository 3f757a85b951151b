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
	"testing"
	"time"

	"github.com/nodeipc/nodeipc-go/internal/nodetest"
	"github.com/nodeipc/nodeipc-go/nodeipc"
	"github.com/nodeipc/nodeipc-go/nodeipc/cluster"
)

func init() {
	helpers["cluster-worker"] = helperClusterWorker
}

var policies = []string{"rr", "none"}

// TestNodePrimaryMixedWorkers runs a Node cluster primary with two Node
// workers, a go-child http-worker and the cluster-worker helper on one
// port, under both scheduling policies.
func TestNodePrimaryMixedWorkers(t *testing.T) {
	for _, node := range nodetest.Binaries(t) {
		for _, pol := range policies {
			t.Run(node.Name+"/"+pol, func(t *testing.T) {
				cmd := node.Command(t, nodetest.Script(t, "cluster-primary.js"), goChild, testExe(t))
				cmd.Env = append(os.Environ(), "NODE_CLUSTER_SCHED_POLICY="+pol)
				runCmd(t, cmd, 2*time.Minute)
			})
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
