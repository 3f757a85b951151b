package nodeipc

import (
	"context"
	"testing"
	"testing/synctest"
)

// The timing logic of the channel, on the in-memory transport and the
// bubble's clock: deterministic, no sleeps.

func TestMemRoundTrip(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		c, peer, err := memChannel(nil, 0)
		if err != nil {
			t.Fatal(err)
		}
		defer c.Close()
		if err := peer.WriteString(`{"a":1}` + "\n"); err != nil {
			t.Fatal(err)
		}
		m, err := c.Recv(context.Background())
		if err != nil || string(m.Raw()) != `{"a":1}` {
			t.Fatalf("Recv = %v, %v", m, err)
		}
		if err := c.Send(context.Background(), map[string]int{"b": 2}); err != nil {
			t.Fatal(err)
		}
		if l, err := peer.ReadLine(); err != nil || l != `{"b":2}` {
			t.Fatalf("peer read %q, %v", l, err)
		}
		peer.Close()
		if _, err := c.Recv(context.Background()); err == nil {
			t.Fatal("Recv after the peer closed: no error")
		}
	})
}
