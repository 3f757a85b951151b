//go:build unix

package nodeipctest_test

import (
	"context"
	"errors"
	"net"
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

// TestWriteRawFD: a NODE_HANDLE frame written by hand with a descriptor
// reaches the worker as a socket, and a malformed line before it is a
// per-message error.
func TestWriteRawFD(t *testing.T) {
	peer, worker := nodeipctest.NewPair(t, nil)
	before := nodeipctest.CountFDs()
	a, b := nodeipctest.Socketpair(t)
	f, err := a.File()
	if err != nil {
		t.Fatal(err)
	}
	if err := peer.WriteRaw([]byte("{oops\n")); err != nil {
		t.Fatal(err)
	}
	frame := []byte(`{"cmd":"NODE_HANDLE","type":"net.Socket","msg":"hand-made"}` + "\n")
	if err := peer.WriteRawFD(frame, f); err != nil {
		t.Fatal(err)
	}
	f.Close()
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	var perr *nodeipc.ProtocolError
	if _, err := worker.Recv(ctx); !errors.As(err, &perr) {
		t.Fatalf("first Recv = %v, want a *nodeipc.ProtocolError", err)
	}
	m, err := worker.Recv(ctx)
	if err != nil {
		t.Fatal(err)
	}
	c, ok := m.Conn().(*net.UnixConn)
	if !ok || m.String() != `"hand-made"` {
		t.Fatalf("got %v with %T", m, m.Handle())
	}
	go b.Write([]byte("ping"))
	buf := make([]byte, 4)
	if _, err := c.Read(buf); err != nil || string(buf) != "ping" {
		t.Fatalf("read %q, %v", buf, err)
	}
	c.Close()
	a.Close()
	b.Close()
	if after := nodeipctest.CountFDs(); after > before {
		t.Errorf("descriptors: %d before, %d after", before, after)
	}
}
