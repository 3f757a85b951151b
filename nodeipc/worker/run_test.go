//go:build unix

package worker_test

import (
	"context"
	"errors"
	"os"
	"os/exec"
	"strings"
	"syscall"
	"testing"

	"github.com/nodeipc/nodeipc-go/nodeipc"
	"github.com/nodeipc/nodeipc-go/nodeipc/nodeipctest"
	"github.com/nodeipc/nodeipc-go/nodeipc/worker"
)

// TestRunWithoutChannel: outside Node, Run says so and returns 2 without
// calling its function.
func TestRunWithoutChannel(t *testing.T) {
	t.Setenv(nodeipc.EnvChannelFD, "")
	called := false
	if code := worker.Run(func(context.Context, *nodeipc.Channel) error { called = true; return nil }, nil); code != 2 || called {
		t.Errorf("Run = %d (called %v), want 2 without calling", code, called)
	}
}

func startWorker(t *testing.T, mode string) (*nodeipctest.Peer, *exec.Cmd, *strings.Builder) {
	cmd := exec.Command(testExe(t))
	cmd.Env = append(os.Environ(), "NODEIPC_WORKER_TEST="+mode)
	stderr := &strings.Builder{}
	cmd.Stderr = stderr
	return nodeipctest.StartChild(t, cmd, nil), cmd, stderr
}

// TestRunExitCodes: an error from the function is printed and gives 1, and
// what was posted before still arrives; SIGTERM ends the function's context,
// and a function returning that context's error exits 0, its last post
// delivered.
func TestRunExitCodes(t *testing.T) {
	ctx := testCtx(t)
	peer, cmd, stderr := startWorker(t, "fail")
	if m, err := peer.Recv(ctx); err != nil || m.String() != `"before the failure"` {
		t.Errorf("fail: %v %v", m, err)
	}
	var ee *exec.ExitError
	if err := cmd.Wait(); !errors.As(err, &ee) || ee.ExitCode() != 1 || !strings.Contains(stderr.String(), "the job failed") {
		t.Errorf("fail: exit %v, stderr %q; want 1 and the error", err, stderr)
	}

	peer, cmd, _ = startWorker(t, "wait")
	if m, err := peer.Recv(ctx); err != nil || m.String() != `"waiting"` {
		t.Fatalf("wait: %v %v", m, err)
	}
	cmd.Process.Signal(syscall.SIGTERM)
	if m, err := peer.Recv(ctx); err != nil || m.String() != `"terminated"` {
		t.Errorf("after SIGTERM: %v %v", m, err)
	}
	if err := cmd.Wait(); err != nil {
		t.Errorf("after SIGTERM: exit %v, want 0", err)
	}
}
