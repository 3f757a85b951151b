//go:build darwin || freebsd || linux || netbsd || openbsd

package nodeipc_test

import (
	"errors"
	"io"
	"strings"
	"testing"
	"time"

	"github.com/nodeipc/nodeipc-go/nodeipc"
	"github.com/nodeipc/nodeipc-go/nodeipc/v8value"
)

// TestForeignSerialization: an advanced-mode frame whose payload does not
// start with the V8 header ends the channel with a *SerializationError as
// soon as its first payload byte arrives, however long a length its first
// four bytes seem to announce; the messages before it are received, and
// Bun's stream is named with the remedy.
func TestForeignSerialization(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		name, peer, text string
		bytes            []byte
	}{
		{"no header", "", "does not write Node's advanced serialization", advFrame([]byte{'0'})},
		// The first bytes Bun 1.4 writes for process.send({...}) with
		// serialization: 'advanced' (an announced length of 16.9 MB).
		{"Bun", "Bun", "serialization: 'json'", []byte{0x01, 0x02, 0x00, 0x00, 0x00, 0x02, 0x1c, 0x00, 0x00, 0x00, 0x0e, 0x00, 0x00, 0x00}},
		{"JSON line", "JSON", "JSON lines", []byte("{\"a\":1}\n")},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			ch, peer := rawPeer(t, &nodeipc.Options{Serialization: nodeipc.Advanced})
			// The foreign frame's first four bytes come first on their own:
			// nothing is decided before the fifth.
			if _, err := peer.Write(append(advValue(t, "kept"), tc.bytes[:4]...)); err != nil {
				t.Fatal(err)
			}
			var s string
			if m, err := ch.Recv(ctxT(t)); err != nil || m.Decode(&s) != nil || s != "kept" {
				t.Fatalf("message before the foreign frame: %v, %v", m, err)
			}
			if !ch.Connected() {
				t.Fatal("channel ended before the payload's first byte")
			}
			if _, err := peer.Write(tc.bytes[4:]); err != nil {
				t.Fatal(err)
			}
			select {
			case <-ch.Done():
			case <-time.After(10 * time.Second):
				t.Fatal("channel still open: the frame was waited for")
			}
			_, err := ch.Recv(ctxT(t))
			var se *nodeipc.SerializationError
			if !errors.As(err, &se) || !errors.Is(err, nodeipc.ErrForeignSerialization) {
				t.Fatalf("Recv = %v, want a *SerializationError", err)
			}
			if se.Peer != tc.peer || !strings.Contains(err.Error(), tc.text) || string(se.Head) != string(tc.bytes[:min(len(tc.bytes), 16)]) {
				t.Errorf("error %q (peer %q, head % x), want peer %q mentioning %q", err, se.Peer, se.Head, tc.peer, tc.text)
			}
			if !errors.Is(ch.Err(), nodeipc.ErrForeignSerialization) {
				t.Errorf("Err() = %v", ch.Err())
			}
			if _, err := ch.Recv(ctxT(t)); !errors.Is(err, nodeipc.ErrForeignSerialization) {
				t.Errorf("second Recv = %v, want the same final error", err)
			}
		})
	}
}

// TestSendRawFormat16: SendRaw refuses a format-16 payload while the peer
// has sent none (Node 26 and earlier cannot read it), and forwards it once
// the peer has (a Deno peer: V8 reads what it writes). Send always writes
// format 15.
func TestSendRawFormat16(t *testing.T) {
	t.Parallel()
	ch, peer := rawPeer(t, &nodeipc.Options{Serialization: nodeipc.Advanced})
	p16 := []byte{0xFF, 0x10, 'o', '"', 1, 'b', 'B', 2, 7, 8, '{', 1}
	if err := ch.SendRaw(ctxT(t), p16); !errors.Is(err, nodeipc.ErrUnsupportedValue) {
		t.Fatalf("SendRaw of format 16 to a peer that sent none = %v, want ErrUnsupportedValue", err)
	}
	if _, err := peer.Write(advFrame(p16)); err != nil {
		t.Fatal(err)
	}
	m, err := ch.Recv(ctxT(t))
	if err != nil {
		t.Fatal(err)
	}
	if err := ch.SendRaw(ctxT(t), m.Raw()); err != nil {
		t.Fatalf("SendRaw of format 16 after the peer sent it: %v", err)
	}
	v, err := v8value.Decode(m.Raw())
	if err != nil {
		t.Fatal(err)
	}
	if err := ch.Send(ctxT(t), v); err != nil {
		t.Fatal(err)
	}
	want := append(advFrame(p16), advFrame(append([]byte{0xFF, 0x0F}, p16[2:]...))...)
	got := make([]byte, len(want))
	peer.SetReadDeadline(time.Now().Add(10 * time.Second))
	if _, err := io.ReadFull(peer, got); err != nil || string(got) != string(want) {
		t.Fatalf("wire % x (%v), want % x", got, err, want)
	}
}
