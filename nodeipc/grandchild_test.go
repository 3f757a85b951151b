//go:build darwin || freebsd || linux || netbsd || openbsd

package nodeipc_test

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"os/exec"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"
	"testing"
	"time"

	"github.com/nodeipc/nodeipc-go/nodeipc"
	"golang.org/x/sys/unix"
)

const grandchildEnv = "NODEIPC_TEST_GRANDCHILD_REPORT"

// TestGrandchildReport is the grandchild of TestGrandchildInheritsNoHandle:
// run with grandchildEnv set, it prints how many sockets it holds. Otherwise
// it does nothing.
func TestGrandchildReport(t *testing.T) {
	if os.Getenv(grandchildEnv) == "" {
		t.Skip("only a grandchild of TestGrandchildInheritsNoHandle")
	}
	ents, err := os.ReadDir("/proc/self/fd")
	if err != nil {
		fmt.Println("error", err)
		return
	}
	var socks []string
	for _, e := range ents {
		if l, err := os.Readlink("/proc/self/fd/" + e.Name()); err == nil && strings.HasPrefix(l, "socket:") {
			socks = append(socks, e.Name())
		}
	}
	fmt.Printf("sockets=%d %s\n", len(socks), strings.Join(socks, ","))
}

// A process that starts others while its peer floods the channel with
// descriptors must never pass a received descriptor on, in the instant
// between its arrival and close-on-exec: with MSG_CMSG_CLOEXEC (Linux) there
// is no such instant; without it (macOS, and Linux with the
// nodeipc_portable tag) the read holds syscall.ForkLock across recvmsg and
// fcntl. Grandchildren are exec'd in a tight loop from several goroutines
// while every frame from the peer carries a socket; each reports the
// sockets it holds, which must be none.
func TestGrandchildInheritsNoHandle(t *testing.T) {
	if _, err := os.Stat("/proc/self/fd"); err != nil {
		t.Skip("needs /proc/self/fd")
	}
	skipUnlessSelfExec(t)
	exe, err := os.Executable()
	if err != nil {
		t.Fatal(err)
	}
	ch, peer := rawPeer(t, &nodeipc.Options{SpinWait: -1})
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()

	// The peer: NODE_HANDLE frames, each with a fresh socket, as fast as
	// the channel takes them; ACKs are read and dropped.
	go io.Copy(io.Discard, peer)
	var sent atomic.Int64
	var wg sync.WaitGroup
	wg.Add(1)
	go func() {
		defer wg.Done()
		frame := []byte(`{"cmd":"NODE_HANDLE","type":"net.Socket","msg":{"n":1}}` + "\n")
		for ctx.Err() == nil {
			fds, err := nodeipc.SocketpairForTest(syscall.SOCK_STREAM)
			if err != nil {
				t.Error(err)
				return
			}
			_, _, werr := peer.WriteMsgUnix(frame, unix.UnixRights(fds[0]), nil)
			unix.Close(fds[0])
			unix.Close(fds[1])
			if werr != nil {
				return
			}
			sent.Add(1)
		}
	}()
	// The receiver: take every message and close its socket, until the
	// channel is closed and its queue drained.
	var received atomic.Int64
	wg.Add(1)
	drain := func() {
		for {
			m, err := ch.Recv(context.Background())
			var he *nodeipc.HandleError
			var pe *nodeipc.ProtocolError
			if errors.As(err, &he) || errors.As(err, &pe) {
				continue
			}
			if err != nil {
				return
			}
			if c := m.Conn(); c != nil {
				c.Close()
			}
			received.Add(1)
		}
	}
	go func() {
		defer wg.Done()
		drain()
	}()

	var execs atomic.Int64
	// At least 3 s and 20 grandchildren (a race-instrumented binary starts
	// slowly), at most 60 s.
	deadline, hard := time.Now().Add(3*time.Second), time.Now().Add(60*time.Second)
	more := func() bool {
		now := time.Now()
		return (now.Before(deadline) || execs.Load() < 20) && now.Before(hard)
	}
	var ewg sync.WaitGroup
	for g := 0; g < 3; g++ {
		ewg.Add(1)
		go func() {
			defer ewg.Done()
			for more() && !t.Failed() {
				cmd := exec.Command(exe, "-test.run=^TestGrandchildReport$")
				cmd.Env = append(os.Environ(), grandchildEnv+"=1")
				out, err := cmd.Output()
				if err != nil {
					t.Errorf("grandchild: %v", err)
					return
				}
				execs.Add(1)
				line := strings.SplitN(strings.TrimSpace(string(out)), "\n", 2)[0]
				if !strings.HasPrefix(line, "sockets=") {
					t.Errorf("grandchild said %q", out)
					return
				}
				if n, _ := strconv.Atoi(strings.Fields(strings.TrimPrefix(line, "sockets="))[0]); n != 0 {
					t.Errorf("a grandchild inherited %s", line)
					return
				}
			}
		}()
	}
	ewg.Wait()
	cancel()
	ch.Close()
	peer.Close()
	wg.Wait()
	drain() // what the reader queued while the channel was closing
	t.Logf("%d grandchildren, %d handles sent, %d received", execs.Load(), sent.Load(), received.Load())
	if execs.Load() < 20 || received.Load() < 100 {
		t.Fatalf("too little overlap to show anything: %d grandchildren, %d handles received", execs.Load(), received.Load())
	}
}
