//go:build darwin || freebsd || linux || netbsd || openbsd

package nodeipc_test

import (
	"bytes"
	"strings"
	"testing"
	"time"
)

// A reply posted by a receive loop that never calls Recv again is written
// anyway, once the background reader takes the read side over.
func TestPostHeldWithoutRecvIsWritten(t *testing.T) {
	t.Parallel()
	ch, peer := rawPeer(t, nil)
	if _, err := peer.Write([]byte("\"ping\"\n")); err != nil {
		t.Fatal(err)
	}
	m, err := ch.Recv(ctxT(t))
	if err != nil {
		t.Fatal(err)
	}
	if err := ch.PostRaw([]byte(`"pong"`)); err != nil {
		t.Fatal(err)
	}
	if err := ch.Post(map[string]int{"n": 2}); err != nil {
		t.Fatal(err)
	}
	_ = m
	peer.SetReadDeadline(time.Now().Add(30 * time.Second))
	var got []byte
	buf := make([]byte, 256)
	for !bytes.Contains(got, []byte("}\n")) {
		k, err := peer.Read(buf)
		if err != nil {
			t.Fatalf("peer read after %q: %v", got, err)
		}
		got = append(got, buf[:k]...)
	}
	if want := "\"pong\"\n{\"n\":2}\n"; string(got) != want {
		t.Fatalf("peer read %q, want %q", got, want)
	}
}

// Close writes held replies before it closes the socket.
func TestCloseWritesHeldPosts(t *testing.T) {
	t.Parallel()
	ch, peer := rawPeer(t, nil)
	if _, err := peer.Write([]byte("1\n2\n")); err != nil {
		t.Fatal(err)
	}
	for range 2 {
		m, err := ch.Recv(ctxT(t))
		if err != nil {
			t.Fatal(err)
		}
		if err := ch.PostRaw(m.Raw()); err != nil {
			t.Fatal(err)
		}
	}
	if err := ch.Close(); err != nil {
		t.Fatal(err)
	}
	peer.SetReadDeadline(time.Now().Add(30 * time.Second))
	var got strings.Builder
	buf := make([]byte, 256)
	for {
		k, err := peer.Read(buf)
		got.Write(buf[:k])
		if err != nil {
			break
		}
	}
	if got.String() != "1\n2\n" {
		t.Fatalf("peer read %q before EOF, want both replies", got.String())
	}
}

// PostRaw checks its payload as SendRaw does.
func TestPostRawRejectsInvalid(t *testing.T) {
	t.Parallel()
	ch, _ := rawPeer(t, nil)
	if err := ch.PostRaw([]byte("{not json")); err == nil {
		t.Fatal("PostRaw of invalid JSON: nil error")
	}
	if err := ch.PostRaw([]byte("{\"a\":1}\n{\"b\":2}")); err == nil {
		t.Fatal("PostRaw of two values: nil error")
	}
}
