//go:build unix || windows

package nodeipctest_test

import (
	"context"
	"errors"
	"os"
	"os/exec"
	"testing"
	"time"

	"github.com/nodeipc/nodeipc-go/nodeipc"
	"github.com/nodeipc/nodeipc-go/nodeipc/nodeipctest"
)

// TestMain makes this test binary the worker of TestStartChild when it is
// started with NODEIPCTEST_WORKER=1.
func TestMain(m *testing.M) {
	if os.Getenv("NODEIPCTEST_WORKER") == "1" {
		ch, err := nodeipc.FromEnv(nil)
		if err != nil {
			os.Exit(2)
		}
		if err := square(context.Background(), ch); err != nil {
			os.Exit(1)
		}
		ch.Close()
		os.Exit(0)
	}
	os.Exit(m.Run())
}

func TestStartChild(t *testing.T) {
	exe, err := os.Executable()
	if err != nil {
		t.Fatal(err)
	}
	cmd := exec.Command(exe, "-test.run=^$")
	cmd.Env = append(os.Environ(), "NODEIPCTEST_WORKER=1")
	cmd.Stderr = os.Stderr
	for _, mode := range []nodeipc.Serialization{nodeipc.JSON, nodeipc.Advanced} {
		t.Run(mode.String(), func(t *testing.T) {
			cmd := exec.Command(cmd.Path, cmd.Args[1:]...)
			cmd.Env = append(os.Environ(), "NODEIPCTEST_WORKER=1")
			peer := nodeipctest.StartChild(t, cmd, &nodeipctest.Options{Serialization: mode})
			ctx := context.Background()
			for n := range 100 {
				if err := peer.Send(ctx, map[string]int{"n": n}); err != nil {
					t.Fatal(err)
				}
				var got struct{ Square int }
				if err := nodeipctest.MustRecv(t, peer.Channel, 10*time.Second).Decode(&got); err != nil || got.Square != n*n {
					t.Fatalf("square(%d) = %d, %v", n, got.Square, err)
				}
			}
			if err := peer.Close(); err != nil {
				t.Fatal(err)
			}
			if err := cmd.Wait(); err != nil {
				t.Fatalf("worker after disconnect: %v", err)
			}
			if err := peer.WriteRaw([]byte("x\n")); !errors.Is(err, nodeipctest.ErrNoRawSocket) {
				t.Fatalf("WriteRaw on a started child's Peer = %v", err)
			}
		})
	}
}
