//go:build darwin || freebsd || linux || netbsd || openbsd

package nodeipc_test

import (
	"encoding/binary"
	"errors"
	"io"
	"strings"
	"testing"
	"time"

	"github.com/nodeipc/nodeipc-go/nodeipc"
	"github.com/nodeipc/nodeipc-go/nodeipc/v8value"
)

func advFrame(p []byte) []byte {
	return append(binary.BigEndian.AppendUint32(nil, uint32(len(p))), p...)
}

func advValue(t *testing.T, v any) []byte {
	t.Helper()
	p, err := v8value.Marshal(v)
	if err != nil {
		t.Fatal(err)
	}
	return advFrame(p)
}

// Malformed advanced-mode input: the exact typed error and the channel state
// after it.
func TestMalformedAdvanced(t *testing.T) {
	t.Parallel()
	usable := []struct {
		name  string
		frame []byte
	}{
		{"version 12", advFrame([]byte{0xFF, 0x0C, '0'})},
		{"bad tag", advFrame([]byte{0xFF, 0x0F, 'M'})},
		{"empty payload", advFrame(nil)},
		{"truncated value", advFrame([]byte{0xFF, 0x0F, 'o', '"', 0x05, 'a'})},
		{"trailing bytes", advFrame([]byte{0xFF, 0x0F, '0', '0'})},
		{"bad back-reference", advFrame([]byte{0xFF, 0x0F, '^', 0x03})},
		{"string length past the end", advFrame([]byte{0xFF, 0x0F, '"', 0xFF, 0xFF, 0xFF, 0x0F})},
		{"host object kind 2", advFrame([]byte{0xFF, 0x0F, '\\', 0x02})},
	}
	for _, tc := range usable {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			ch, peer := rawPeer(t, &nodeipc.Options{Serialization: nodeipc.Advanced})
			ctx := ctxT(t)
			stream := append(advValue(t, "before"), tc.frame...)
			stream = append(stream, advValue(t, "after")...)
			if _, err := peer.Write(stream); err != nil {
				t.Fatal(err)
			}
			var s string
			m, err := ch.Recv(ctx)
			if err != nil || m.Decode(&s) != nil || s != "before" {
				t.Fatalf("first Recv = %v, %v", m, err)
			}
			_, err = ch.Recv(ctx)
			var perr *nodeipc.ProtocolError
			if !errors.As(err, &perr) || !errors.Is(err, nodeipc.ErrMalformedMessage) {
				t.Fatalf("Recv = %v, want a *ProtocolError wrapping ErrMalformedMessage", err)
			}
			m, err = ch.Recv(ctx)
			if err != nil || m.Decode(&s) != nil || s != "after" {
				t.Fatalf("Recv after the bad frame = %v, %v; the channel must stay usable", m, err)
			}
			if !ch.Connected() {
				t.Fatal("channel closed")
			}
		})
	}

	t.Run("oversized frame", func(t *testing.T) {
		t.Parallel()
		ch, peer := rawPeer(t, &nodeipc.Options{Serialization: nodeipc.Advanced, MaxMessageSize: 1 << 20})
		stream := append(advValue(t, "kept"), 0x7F, 0xFF, 0xFF, 0xFF, 0xFF, 0x0F)
		if _, err := peer.Write(stream); err != nil {
			t.Fatal(err)
		}
		select {
		case <-ch.Done():
		case <-time.After(10 * time.Second):
			t.Fatal("channel still open")
		}
		m, err := ch.Recv(ctxT(t))
		if err != nil || string(m.Raw()) != string(advValue(t, "kept")[4:]) {
			t.Fatalf("message before the oversized frame: %v, %v", m, err)
		}
		if _, err := ch.Recv(ctxT(t)); !errors.Is(err, nodeipc.ErrMessageTooLarge) {
			t.Fatalf("Recv = %v, want ErrMessageTooLarge", err)
		}
	})

	t.Run("truncated frame then EOF", func(t *testing.T) {
		t.Parallel()
		ch, peer := rawPeer(t, &nodeipc.Options{Serialization: nodeipc.Advanced})
		full := advValue(t, strings.Repeat("x", 1000))
		stream := append(advValue(t, "kept"), full[:500]...)
		if _, err := peer.Write(stream); err != nil {
			t.Fatal(err)
		}
		peer.Close()
		<-ch.Done()
		if m, err := ch.Recv(ctxT(t)); err != nil || string(m.Raw()) != string(advValue(t, "kept")[4:]) {
			t.Fatalf("message before the truncated frame: %v, %v", m, err)
		}
		_, err := ch.Recv(ctxT(t))
		if !errors.Is(err, nodeipc.ErrDisconnected) || !strings.Contains(err.Error(), "inside a message") {
			t.Fatalf("Recv = %v, want ErrDisconnected inside a message", err)
		}
	})

	t.Run("NODE_HANDLE without its fd", func(t *testing.T) {
		t.Parallel()
		ch, peer := rawPeer(t, &nodeipc.Options{Serialization: nodeipc.Advanced})
		env := &v8value.Object{Props: []v8value.Property{
			{Key: "cmd", Value: "NODE_HANDLE"}, {Key: "type", Value: "net.Socket"}, {Key: "msg", Value: "lost"},
		}}
		if _, err := peer.Write(advValue(t, env)); err != nil {
			t.Fatal(err)
		}
		if _, err := ch.Recv(ctxT(t)); !errors.Is(err, nodeipc.ErrMissingHandle) {
			t.Fatalf("Recv = %v, want ErrMissingHandle", err)
		}
		// docs/PROTOCOL.md §3.5 shows Node's bytes for an ACK; a NACK is the same
		// object with "NODE_HANDLE_NACK".
		want := []byte("\x00\x00\x00\x1C\xFF\x0F\x6F\x22\x03cmd\x22\x10NODE_HANDLE_NACK\x7B\x01")
		got := make([]byte, len(want))
		peer.SetReadDeadline(time.Now().Add(10 * time.Second))
		if _, err := io.ReadFull(peer, got); err != nil || string(got) != string(want) {
			t.Fatalf("wire: % x (%v), want % x", got, err, want)
		}
	})
}
