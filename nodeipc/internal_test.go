//go:build darwin || freebsd || linux || netbsd || openbsd

package nodeipc_test

import (
	"encoding/binary"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/nodeipc/nodeipc-go/nodeipc"
	"github.com/nodeipc/nodeipc-go/nodeipc/v8value"
)

// Node's rule: internal iff cmd is a string longer than five characters
// starting with "NODE_". Internal messages never reach Recv; unknown ones go
// to OnInternalMessage.
func TestInternalRuleJSON(t *testing.T) {
	t.Parallel()
	hooked := make(chan string, 10)
	ch, peer := rawPeer(t, &nodeipc.Options{OnInternalMessage: func(m *nodeipc.Message) {
		hooked <- string(m.Raw())
	}})
	lines := []string{
		`{"cmd":"NODE_CUSTOM","x":1}`,       // internal, unknown: hook
		`{"cmd":"NODE_"}`,                   // user: not longer than 5
		`{"cmd":"NODEX_Y"}`,                 // user
		`{"cmd":42}`,                        // user
		`{"\u0063md":"NODE_ESCAPED_KEY"}`,   // internal: the key is "cmd"
		`{"cmd":"\u004eODE_ESCAPED_VALUE"}`, // internal
		`{"cmd":"NODE_DUP","cmd":"user"}`,   // user: the last duplicate wins, as in JSON.parse
		`["NODE_HANDLE"]`,                   // user
		`"NODE_HANDLE"`,                     // user
	}
	for _, l := range lines {
		if _, err := peer.Write([]byte(l + "\n")); err != nil {
			t.Fatal(err)
		}
	}
	ctx := ctxT(t)
	var user []string
	for range 6 {
		m, err := ch.Recv(ctx)
		if err != nil {
			t.Fatal(err)
		}
		user = append(user, string(m.Raw()))
	}
	want := []string{lines[1], lines[2], lines[3], lines[6], lines[7], lines[8]}
	if diff := cmp.Diff(want, user); diff != "" {
		t.Errorf("user messages (-want +got):\n%s", diff)
	}
	var internal []string
	for range 3 {
		internal = append(internal, <-hooked)
	}
	if diff := cmp.Diff([]string{lines[0], lines[4], lines[5]}, internal); diff != "" {
		t.Errorf("internal messages (-want +got):\n%s", diff)
	}
}

func TestInternalRuleAdvanced(t *testing.T) {
	t.Parallel()
	hooked := make(chan *nodeipc.Message, 10)
	ch, peer := rawPeer(t, &nodeipc.Options{
		Serialization:     nodeipc.Advanced,
		OnInternalMessage: func(m *nodeipc.Message) { hooked <- m },
	})
	send := func(v any) {
		p, err := v8value.Marshal(v)
		if err != nil {
			t.Fatal(err)
		}
		b := append(binary.BigEndian.AppendUint32(nil, uint32(len(p))), p...)
		// Split the length prefix across writes.
		for _, part := range [][]byte{b[:2], b[2:5], b[5:]} {
			if _, err := peer.Write(part); err != nil {
				t.Fatal(err)
			}
		}
	}
	obj := func(kv ...any) *v8value.Object {
		o := &v8value.Object{}
		for i := 0; i < len(kv); i += 2 {
			o.Props = append(o.Props, v8value.Property{Key: kv[i].(string), Value: kv[i+1]})
		}
		return o
	}
	send(obj("cmd", "NODE_CUSTOM", "n", 1))
	send(obj("cmd", "NODE_"))
	send(obj("cmd", v8value.UTF16String{'N', 'O', 'D', 'E', '_', 'T', 'W', 'O'}))
	send(obj("cmd", &v8value.Boxed{Value: "NODE_BOXED"})) // a String object is not a string
	send(map[string]any{"plain": []any{1, 2}})
	ctx := ctxT(t)
	for _, want := range []string{"NODE_", "boxed", "plain"} {
		m, err := ch.Recv(ctx)
		if err != nil {
			t.Fatalf("want %s: %v", want, err)
		}
		var v any
		if err := m.Decode(&v); err != nil {
			t.Fatal(err)
		}
	}
	for _, want := range []string{"NODE_CUSTOM", "NODE_TWO"} {
		m := <-hooked
		var got struct {
			Cmd string `json:"cmd"`
		}
		if err := m.Decode(&got); err != nil || got.Cmd != want {
			t.Errorf("hook got %+v (%v), want cmd %s", got, err, want)
		}
	}
}
