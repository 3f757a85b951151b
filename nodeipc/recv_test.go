//go:build darwin || freebsd || linux || netbsd || openbsd

package nodeipc_test

import (
	"context"
	"errors"
	"io"
	"net"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/nodeipc/nodeipc-go/nodeipc"
)

// Messages goes on past every per-message error, yields them in place, and
// ends without an error value when the peer disconnects, with Done closed.
func TestMessagesGoesOnPastPerMessageErrors(t *testing.T) {
	ch, w := newWire(t, nil)
	pr, pw, err := os.Pipe()
	if err != nil {
		t.Fatal(err)
	}
	defer pr.Close()
	w.send("not json\n")
	w.send(`{"a":1}` + "\n")
	w.send(`{"cmd":"NODE_HANDLE","type":"net.Socket","msg":"pipe"}`+"\n", int(pw.Fd()))
	pw.Close()
	w.send(`{"cmd":"NODE_HANDLE","type":"net.Socket","msg":"no fd"}` + "\n")
	w.send(`{"cmd":"NODE_HANDLE_ACK"}` + "\n")
	w.send(`{"b":2}` + "\n")
	w.expectLine(`{"cmd":"NODE_HANDLE_ACK"}`)
	w.expectLine(`{"cmd":"NODE_HANDLE_NACK"}`)
	w.conn.Close()

	var got []string
	for m, err := range ch.Messages(ctxT(t)) {
		var pe *nodeipc.ProtocolError
		var he *nodeipc.HandleError
		switch {
		case err == nil:
			got = append(got, "msg "+string(m.Raw()))
		case errors.As(err, &pe):
			got = append(got, "protocol "+pe.Op)
		case errors.As(err, &he):
			got = append(got, "handle "+string(he.Message.Raw()))
		default:
			t.Fatalf("unexpected error %v", err)
		}
	}
	if ch.Connected() || !errors.Is(ch.Err(), nodeipc.ErrDisconnected) || !errors.Is(ch.Err(), io.EOF) {
		t.Errorf("after the loop: Connected %v, Err %v; want false, a disconnect wrapping io.EOF", ch.Connected(), ch.Err())
	}
	want := []string{"protocol parse", `msg {"a":1}`, `handle "pipe"`, "protocol handle", `msg {"b":2}`}
	if strings.Join(got, "|") != strings.Join(want, "|") {
		t.Fatalf("Messages yielded\n%q\nwant\n%q", got, want)
	}
	// Every later Recv returns the terminal error again.
	if _, err := ch.Recv(ctxT(t)); !errors.Is(err, nodeipc.ErrDisconnected) {
		t.Fatalf("Recv after the end: %v", err)
	}
}

// Messages ends without an error value when ctx ends; breaking out or
// ending ctx loses no message.
func TestMessagesContextAndBreak(t *testing.T) {
	a, b := pair(t, nil)
	ctx, cancel := context.WithCancel(context.Background())
	time.AfterFunc(20*time.Millisecond, cancel)
	n := 0
	for _, err := range b.Messages(ctx) {
		t.Errorf("Messages yielded %v, want nothing", err)
		n++
	}
	if n != 0 || !b.Connected() || ctx.Err() == nil {
		t.Fatalf("ctx end: %d yields, Connected %v, ctx %v; want 0, true, canceled", n, b.Connected(), ctx.Err())
	}
	for _, v := range []int{1, 2, 3} {
		if err := a.Send(ctxT(t), v); err != nil {
			t.Fatal(err)
		}
	}
	for m, err := range b.Messages(ctxT(t)) {
		if err != nil || string(m.Raw()) != "1" {
			t.Fatalf("first: %v %v", m, err)
		}
		break
	}
	recvMsg(t, b, "2")
	recvMsg(t, b, "3")
}

// Every error text starts with "nodeipc: " exactly once.
func TestErrorTexts(t *testing.T) {
	var texts []string
	add := func(err error) {
		if err == nil {
			t.Fatal("no error")
		}
		texts = append(texts, err.Error())
	}

	ch, w := newWire(t, &nodeipc.Options{MaxMessageSize: 64})
	w.send("not json\n")
	_, err := ch.Recv(ctxT(t))
	if want := `nodeipc: parse: malformed message (data "not json")`; err == nil || err.Error() != want {
		t.Fatalf("malformed line: %v, want %s", err, want)
	}
	add(err)
	pr, pw, _ := os.Pipe()
	defer pr.Close()
	w.send(`{"cmd":"NODE_HANDLE","type":"net.Socket","msg":1}`+"\n", int(pw.Fd()))
	pw.Close()
	_, err = ch.Recv(ctxT(t))
	var he *nodeipc.HandleError
	if !errors.As(err, &he) || !strings.HasPrefix(err.Error(), `nodeipc: handle "net.Socket": unusable handle: `) {
		t.Fatalf("wrong kind of fd: %v", err)
	}
	add(err)
	w.send(`{"cmd":"NODE_HANDLE","type":"net.Socket","msg":1}` + "\n")
	_, err = ch.Recv(ctxT(t))
	if want := `nodeipc: handle: handle message arrived without a file descriptor (data "{\"cmd\":\"NODE_HANDLE\",\"type\":\"net.Socket\",\"msg\":1}")`; err == nil || err.Error() != want {
		t.Fatalf("handle without fd: %v, want %s", err, want)
	}
	add(err)
	add(ch.Send(ctxT(t), strings.Repeat("x", 100)))
	w.send(strings.Repeat("y", 100) + "\n")
	_, err = ch.Recv(ctxT(t))
	if !errors.Is(err, nodeipc.ErrMessageTooLarge) {
		t.Fatalf("oversized line: %v", err)
	}
	add(err)
	_, err = ch.SocketCount(ctxT(t), "4:127.0.0.1:1")
	add(err)

	adv, aw := newWire(t, &nodeipc.Options{Serialization: nodeipc.Advanced})
	aw.send("\x00\x00\x00\x02\xff\x00")
	_, err = adv.Recv(ctxT(t))
	add(err)
	aw.conn.Close()
	_, err = adv.Recv(ctxT(t))
	if want := "nodeipc: channel disconnected: EOF"; err == nil || err.Error() != want {
		t.Fatalf("after EOF: %v, want %s", err, want)
	}
	add(err)
	adv.Close()
	add(adv.Send(ctxT(t), 1))
	if _, err := adv.Recv(ctxT(t)); !errors.Is(err, nodeipc.ErrDisconnected) && !errors.Is(err, net.ErrClosed) {
		t.Fatalf("Recv after Close: %v", err)
	}

	t.Setenv(nodeipc.EnvChannelFD, "x")
	_, err = nodeipc.FromEnv(nil)
	add(err)

	for _, s := range texts {
		if !strings.HasPrefix(s, "nodeipc: ") || strings.Count(s, "nodeipc:") != 1 {
			t.Errorf("error text %q: want one leading \"nodeipc: \"", s)
		}
	}
	t.Logf("%d texts:\n%s", len(texts), strings.Join(texts, "\n"))
}
