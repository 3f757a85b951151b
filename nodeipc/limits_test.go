//go:build darwin || freebsd || linux || netbsd || openbsd

package nodeipc_test

import (
	"errors"
	"net"
	"strings"
	"testing"

	"github.com/nodeipc/nodeipc-go/nodeipc"
)

// TestOutgoingLimit: every way of sending refuses a message over
// MaxMessageSize (for a handle, counting the NODE_HANDLE envelope) with
// ErrMessageTooLarge, writes nothing, and leaves the channel open; a
// refused handle stays the caller's.
func TestOutgoingLimit(t *testing.T) {
	t.Parallel()
	const max = 64
	ch, w := newWire(t, &nodeipc.Options{MaxMessageSize: max})
	ctx := ctxT(t)
	big := strings.Repeat("b", max) // 66 bytes encoded
	fits := strings.Repeat("f", 40) // 42 bytes alone, over 64 in an envelope

	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	for name, err := range map[string]error{
		"Send":         ch.Send(ctx, big),
		"SendRaw":      ch.SendRaw(ctx, []byte(`"`+big+`"`)),
		"Post":         ch.Post(big),
		"PostInternal": ch.PostInternal("NODE_TEST", "v", big),
		"SendHandle":   ch.SendHandle(ctx, fits, ln.(nodeipc.Handle), nil),
	} {
		if !errors.Is(err, nodeipc.ErrMessageTooLarge) {
			t.Errorf("%s over the limit: %v, want ErrMessageTooLarge", name, err)
		}
	}
	// Exactly at the limit is fine.
	exact := strings.Repeat("e", max-2)
	if err := ch.Send(ctx, exact); err != nil {
		t.Fatalf("Send of exactly MaxMessageSize bytes: %v", err)
	}
	w.expectLine(`"` + exact + `"`)
	usable(t, ch, w)
	// The refused listener was not closed or consumed.
	go func() {
		if c, err := net.Dial("tcp", ln.Addr().String()); err == nil {
			c.Close()
		}
	}()
	c, err := ln.Accept()
	if err != nil {
		t.Fatalf("listener after the refused SendHandle: %v", err)
	}
	c.Close()
}
