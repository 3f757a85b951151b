//go:build darwin || freebsd || linux || netbsd || openbsd

package nodeipc_test

import (
	"context"
	"errors"
	"net"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/nodeipc/nodeipc-go/nodeipc"
	"github.com/nodeipc/nodeipc-go/nodeipc/nodeipctest"
)

// socketpair returns both ends of an AF_UNIX stream socketpair as
// *net.UnixConn, closed when the test ends.
func socketpair(t testing.TB) (*net.UnixConn, *net.UnixConn) {
	t.Helper()
	return nodeipctest.Socketpair(t)
}

// pair returns two connected Channels.
func pair(t testing.TB, opts *nodeipc.Options) (*nodeipc.Channel, *nodeipc.Channel) {
	t.Helper()
	a, b := socketpair(t)
	ca, err := nodeipc.New(a, opts)
	if err != nil {
		t.Fatal(err)
	}
	cb, err := nodeipc.New(b, opts)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { ca.Close(); cb.Close() })
	return ca, cb
}

// rawPeer returns a Channel and the raw socket of its peer, for tests that
// play a (possibly misbehaving) Node peer byte by byte.
func rawPeer(t testing.TB, opts *nodeipc.Options) (*nodeipc.Channel, *net.UnixConn) {
	t.Helper()
	a, b := socketpair(t)
	ca, err := nodeipc.New(a, opts)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { ca.Close() })
	return ca, b
}

func ctxT(t testing.TB) context.Context {
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	t.Cleanup(cancel)
	return ctx
}

func TestSendRecvInOrder(t *testing.T) {
	t.Parallel()
	a, b := pair(t, nil)
	ctx := ctxT(t)
	want := []string{`{"a":1}`, `"s"`, `42`, `null`, `[true,false]`}
	for _, w := range want {
		if err := a.SendRaw(ctx, []byte(w)); err != nil {
			t.Fatal(err)
		}
	}
	var got []string
	for range want {
		m, err := b.Recv(ctx)
		if err != nil {
			t.Fatal(err)
		}
		got = append(got, string(m.Raw()))
	}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("messages (-want +got):\n%s", diff)
	}
}

func TestRawPeerFraming(t *testing.T) {
	t.Parallel()
	ch, peer := rawPeer(t, nil)
	ctx := ctxT(t)
	// A JSON line split across writes, inside a multi-byte character.
	line := []byte("{\"s\":\"h\u00e9llo \u2028 \U0001F600\"}\n")
	for i := range line {
		if _, err := peer.Write(line[i : i+1]); err != nil {
			t.Fatal(err)
		}
	}
	m, err := ch.Recv(ctx)
	if err != nil {
		t.Fatal(err)
	}
	var v struct{ S string }
	if err := m.Decode(&v); err != nil || v.S != "h\u00e9llo \u2028 \U0001F600" {
		t.Fatalf("decoded %q, %v", v.S, err)
	}
	// Go writes exactly one line per message.
	if err := ch.Send(ctx, map[string]string{"x": "<&>\u2028"}); err != nil {
		t.Fatal(err)
	}
	buf := make([]byte, 100)
	n, err := peer.Read(buf)
	if err != nil {
		t.Fatal(err)
	}
	if got, want := string(buf[:n]), "{\"x\":\"<&>\u2028\"}\n"; got != want {
		t.Errorf("wire bytes %q, want %q", got, want)
	}
}

func TestCloseUnblocksAndReports(t *testing.T) {
	t.Parallel()
	a, b := pair(t, nil)
	errc := make(chan error, 1)
	go func() {
		_, err := a.Recv(context.Background())
		errc <- err
	}()
	time.Sleep(10 * time.Millisecond)
	if err := a.Close(); err != nil {
		t.Fatal(err)
	}
	if err := <-errc; !errors.Is(err, net.ErrClosed) {
		t.Errorf("Recv after Close: %v", err)
	}
	if err := a.Close(); err != nil {
		t.Errorf("second Close: %v", err)
	}
	if err := a.Send(context.Background(), 1); !errors.Is(err, net.ErrClosed) {
		t.Errorf("Send after Close: %v", err)
	}
	<-b.Done()
	if !errors.Is(b.Err(), nodeipc.ErrDisconnected) {
		t.Errorf("peer Err = %v", b.Err())
	}
}

func TestRecvContextCancelLosesNothing(t *testing.T) {
	t.Parallel()
	a, b := pair(t, nil)
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	if _, err := b.Recv(ctx); !errors.Is(err, context.Canceled) {
		t.Fatalf("Recv with cancelled ctx: %v", err)
	}
	if err := a.Send(ctxT(t), "x"); err != nil {
		t.Fatal(err)
	}
	m, err := b.Recv(ctxT(t))
	if err != nil || string(m.Raw()) != `"x"` {
		t.Fatalf("Recv = %v, %v", m, err)
	}
}
