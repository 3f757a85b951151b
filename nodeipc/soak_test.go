//go:build darwin || freebsd || linux || netbsd || openbsd

package nodeipc_test

import (
	"bufio"
	"context"
	"flag"
	"net"
	"os"
	"runtime"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/nodeipc/nodeipc-go/internal/testsock"
	"github.com/nodeipc/nodeipc-go/nodeipc"
)

// The soak tests are not run by default:
//
//	go test ./nodeipc -run Soak -v -soak
//
// (the package must come before -soak, which go test does not know).
//
// -soak.messages and -soak.handles change the counts.
var (
	soak         = flag.Bool("soak", false, "run the soak tests (long)")
	soakMessages = flag.Int("soak.messages", 10_000_000, "messages sent by TestSoakMessages")
	soakHandles  = flag.Int("soak.handles", 100_000, "handles sent by TestSoakHandles")
)

// usage is a sample of the process's resources.
type usage struct {
	rssKiB     int
	fds        int
	goroutines int
}

func sample(t *testing.T) usage {
	t.Helper()
	runtime.GC()
	u := usage{goroutines: runtime.NumGoroutine()}
	ents, err := os.ReadDir("/proc/self/fd")
	if err != nil {
		t.Fatal(err)
	}
	u.fds = len(ents)
	f, err := os.Open("/proc/self/status")
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		if rest, ok := strings.CutPrefix(sc.Text(), "VmRSS:"); ok {
			u.rssKiB, _ = strconv.Atoi(strings.TrimSpace(strings.TrimSuffix(strings.TrimSpace(rest), "kB")))
		}
	}
	return u
}

// checkSoak logs the figures and fails on leaked descriptors or goroutines
// (the channels are closed by then) or on RSS growth of more than 64 MiB.
func checkSoak(t *testing.T, what string, n int, elapsed time.Duration, before, during, after usage) {
	t.Logf("%s: %d in %v (%.0f/s); RSS %d KiB before, %d KiB at the end of the run, %d KiB after Close; fds %d before, %d during, %d after; goroutines %d before, %d after",
		what, n, elapsed.Round(time.Millisecond), float64(n)/elapsed.Seconds(),
		before.rssKiB, during.rssKiB, after.rssKiB, before.fds, during.fds, after.fds, before.goroutines, after.goroutines)
	if after.fds != before.fds {
		t.Errorf("%d descriptors before, %d after", before.fds, after.fds)
	}
	if during.rssKiB-before.rssKiB > 64<<10 {
		t.Errorf("RSS grew by %d KiB", during.rssKiB-before.rssKiB)
	}
	deadline := time.Now().Add(5 * time.Second)
	for runtime.NumGoroutine() > before.goroutines && time.Now().Before(deadline) {
		time.Sleep(10 * time.Millisecond)
	}
	if g := runtime.NumGoroutine(); g > before.goroutines {
		t.Errorf("%d goroutines before, %d after", before.goroutines, g)
	}
}

// TestSoakMessages sends -soak.messages small messages through a Go↔Go
// Channel pair and checks that all arrive, in order, with flat resource
// use.
func TestSoakMessages(t *testing.T) {
	if !*soak {
		t.Skip("soak test: run with -soak")
	}
	n := *soakMessages
	before := sample(t)
	ca, cb := soakPair(t)
	ctx := context.Background()
	start := time.Now()
	errc := make(chan error, 1)
	go func() {
		type msg struct {
			Seq int    `json:"seq"`
			P   string `json:"p"`
		}
		for i := 0; i < n; i++ {
			if err := ca.Send(ctx, msg{Seq: i, P: "small"}); err != nil {
				errc <- err
				return
			}
		}
		errc <- nil
	}()
	var want []byte
	var mid usage
	for i := 0; i < n; i++ {
		m, err := cb.Recv(ctx)
		if err != nil {
			t.Fatalf("Recv %d: %v", i, err)
		}
		want = strconv.AppendInt(append(want[:0], `{"seq":`...), int64(i), 10)
		want = append(want, `,"p":"small"}`...)
		if string(m.Raw()) != string(want) {
			t.Fatalf("message %d: %s", i, m.Raw())
		}
		if i == n/2 {
			mid = sample(t)
		}
	}
	if err := <-errc; err != nil {
		t.Fatal(err)
	}
	elapsed := time.Since(start)
	end := sample(t)
	if mid.rssKiB > end.rssKiB {
		end.rssKiB = mid.rssKiB
	}
	ca.Close()
	cb.Close()
	checkSoak(t, "messages", n, elapsed, before, end, sample(t))
}

// TestSoakHandles sends -soak.handles connections (a fresh Unix socketpair
// end each time, moved) through a Go↔Go Channel pair; the receiver checks
// each one works and closes it.
func TestSoakHandles(t *testing.T) {
	if !*soak {
		t.Skip("soak test: run with -soak")
	}
	n := *soakHandles
	before := sample(t)
	ca, cb := soakPair(t)
	ctx := context.Background()
	start := time.Now()
	errc := make(chan error, 1)
	go func() {
		for i := 0; i < n; i++ {
			x, y := socketpairNoCleanup(t)
			if _, err := y.Write([]byte{byte(i)}); err != nil {
				errc <- err
				return
			}
			y.Close()
			if err := ca.SendHandle(ctx, i, x, nil); err != nil { // x is closed after the ACK
				errc <- err
				return
			}
		}
		errc <- nil
	}()
	var end usage
	buf := make([]byte, 1)
	for i := 0; i < n; i++ {
		m, err := cb.Recv(ctx)
		if err != nil {
			t.Fatalf("Recv %d: %v", i, err)
		}
		c := m.Conn()
		if c == nil || string(m.Raw()) != strconv.Itoa(i) {
			t.Fatalf("message %d: %s with %T", i, m.Raw(), m.Handle())
		}
		if _, err := c.Read(buf); err != nil || buf[0] != byte(i) {
			t.Fatalf("handle %d read %v, %v", i, buf, err)
		}
		c.Close()
	}
	if err := <-errc; err != nil {
		t.Fatal(err)
	}
	elapsed := time.Since(start)
	end = sample(t)
	ca.Close()
	cb.Close()
	checkSoak(t, "handle transfers", n, elapsed, before, end, sample(t))
}

// socketpairNoCleanup is socketpair without t.Cleanup, for loops that
// close the ends themselves.
func socketpairNoCleanup(t *testing.T) (*net.UnixConn, *net.UnixConn) {
	a, b, err := testsock.Pair()
	if err != nil {
		panic(err)
	}
	return a, b
}

// soakPair returns two connected Channels that the test closes itself, so
// that it can sample resources after the close.
func soakPair(t *testing.T) (*nodeipc.Channel, *nodeipc.Channel) {
	t.Helper()
	a, b := socketpairNoCleanup(t)
	ca, err := nodeipc.New(a, nil)
	if err != nil {
		t.Fatal(err)
	}
	cb, err := nodeipc.New(b, nil)
	if err != nil {
		t.Fatal(err)
	}
	return ca, cb
}
