//go:build darwin || freebsd || linux || netbsd || openbsd

package nodeipc

import (
	"errors"
	"strings"
	"testing"
)

// The write queue's rules, driven without sockets: each row queues frames
// and answers (a small script), and says what leaves, in which batches.
//
// Script steps:
//
//	m:NAME   queue a message        p:NAME  post a message (byte bound)
//	h:NAME   queue a handle frame   r:NAME  queue a socket-list reply
//	c:NAME   queue a control frame  ack / nack  the peer answers
//	take     take one batch and record it as "NAME NAME ..." (or "-")
//	take-    take one, and leave it being written (not finished)
//	x:NAME   the write of NAME failed (after take)
//	rm:NAME  the sender of NAME gave up
func TestWriteQueueRules(t *testing.T) {
	for _, tc := range []struct {
		name   string
		script string
		max    int // maxBytes
		frames int // maxFrames per batch (default 1024)
		want   string
	}{
		{name: "messages in order, coalesced", script: "m:a m:b m:c take take", want: "a b c|-"},
		{name: "control first", script: "m:a m:b c:ack1 take", want: "ack1 a b"},
		{name: "control overtakes a later control-free batch", script: "m:a take c:x m:b take", want: "a|x b"},
		{name: "handle alone, first", script: "h:H m:a take", want: "H"},
		{name: "handle alone, after messages", script: "m:a h:H m:b take", want: "a"},
		{name: "handle waits for control frames to go first", script: "c:k h:H take take", want: "k|H"},
		{name: "in-flight gate holds messages", script: "h:H m:a take take", want: "H|-"},
		{name: "in-flight gate lets control frames out", script: "h:H m:a take c:k take", want: "H|k"},
		{name: "ack opens the gate", script: "h:H m:a take ack take", want: "H|a"},
		{name: "nack retransmits first", script: "h:H m:a take nack take", want: "H|H"},
		{name: "nack retransmission then ack", script: "h:H m:a take nack take ack take", want: "H|H|a"},
		{name: "three nacks retransmit three times, the fourth fails", script: "h:H m:a take nack take nack take nack take nack take", want: "H|H|H|H|a"},
		{name: "second handle waits for the first's ack", script: "h:H h:G take take ack take", want: "H|-|G"},
		{name: "failed handle write opens the gate", script: "h:H m:a take x:H take", want: "H|a"},
		{name: "frames per batch", script: "m:a m:b m:c take take", frames: 2, want: "a b|c"},
		{name: "removed message never leaves", script: "m:a m:b rm:a take", want: "b"},
		{name: "replies keep their place", script: "m:a r:x m:b take", want: "a x b"},
		{name: "posted within bound", script: "p:aaaa p:bbbb take", max: 8, want: "aaaa bbbb"},
		{name: "posted past bound refused", script: "p:aaaa p:bbbb p:c take", max: 8, want: "aaaa bbbb"},
		{name: "posted alone always accepted", script: "p:aaaaaaaaaaaa take", max: 8, want: "aaaaaaaaaaaa"},
		{name: "frames being written count against the bound", script: "p:aaaa p:bbbb take- p:cccc take", max: 8, want: "aaaa bbbb|-"},
		{name: "bound frees as frames leave", script: "p:aaaa p:bbbb take p:cccc take", max: 8, want: "aaaa bbbb|cccc"},
		{name: "messages do not count against the post bound when sent", script: "m:aaaaaaaaaa p:b take", max: 8, want: "aaaaaaaaaa"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			q := &writeQueue{maxBytes: tc.max}
			frames := tc.frames
			if frames == 0 {
				frames = maxBatchFrames
			}
			reqs := map[string]*writeReq{}
			handles := map[*outHandle]string{}
			var got []string
			for _, step := range strings.Fields(tc.script) {
				op, name, _ := strings.Cut(step, ":")
				r := &writeReq{b: []byte(name)}
				switch op {
				case "m":
				case "p":
					r.kind = reqPosted
				case "r":
					r.kind = reqReply
				case "c":
					r.kind = reqControl
				case "h":
					r.h = &outHandle{frame: r.b}
					handles[r.h] = name
				case "take", "take-":
					batch := q.next(nil, frames, maxBatchBytes)
					if op == "take" {
						q.finished()
					}
					var names []string
					for _, r := range batch {
						names = append(names, string(r.b))
					}
					if len(names) == 0 {
						names = []string{"-"}
					}
					got = append(got, strings.Join(names, " "))
					continue
				case "ack", "nack":
					h, _, err := q.ack(op == "ack", true)
					if err != nil {
						t.Fatalf("%s: %v", step, err)
					}
					_ = h
					continue
				case "x":
					q.unsent(reqs[name])
					continue
				case "rm":
					if !q.remove(reqs[name]) {
						t.Fatalf("%s: not queued", step)
					}
					continue
				default:
					t.Fatalf("bad step %q", step)
				}
				reqs[name] = r
				if err := q.push(r); err != nil {
					if r.kind != reqPosted || !errors.Is(err, ErrPostWouldBlock) {
						t.Fatalf("%s: %v", step, err)
					}
				}
			}
			if g := strings.Join(got, "|"); g != tc.want {
				t.Errorf("batches %q, want %q", g, tc.want)
			}
		})
	}
}

func TestWriteQueueAckResults(t *testing.T) {
	q := &writeQueue{}
	if _, _, err := q.ack(true, true); !errors.Is(err, ErrUnsolicitedAck) {
		t.Errorf("ack with nothing in flight: %v, want ErrUnsolicitedAck", err)
	}
	h := &outHandle{frame: []byte("H")}
	q.push(&writeReq{b: h.frame, h: h})
	q.next(nil, 1, 1)
	for i := 0; i < maxRetransmissions; i++ {
		if got, res, err := q.ack(false, true); got != nil || res != nil || err != nil {
			t.Fatalf("nack %d: %v %v %v, want a retransmission", i+1, got, res, err)
		}
		if b := q.next(nil, 1, 1); len(b) != 1 || b[0].h != h || string(b[0].b) != "H" {
			t.Fatalf("after nack %d: %v, want the original envelope again", i+1, b)
		}
	}
	if got, res, _ := q.ack(false, true); got != h || !errors.Is(res, ErrHandleNotReceived) {
		t.Errorf("last nack: %v %v, want the transfer failed with ErrHandleNotReceived", got, res)
	}
	// A NACK while the channel closes is final.
	g := &outHandle{frame: []byte("G")}
	q.push(&writeReq{b: g.frame, h: g})
	q.next(nil, 1, 1)
	if got, res, _ := q.ack(false, false); got != g || !errors.Is(res, ErrHandleNotReceived) {
		t.Errorf("nack without retry: %v %v", got, res)
	}
	if !q.empty() {
		t.Error("queue not empty at the end")
	}
}

func TestWriteQueueBounds(t *testing.T) {
	q := &writeQueue{}
	for i := 0; i < maxPendingControl; i++ {
		if err := q.push(&writeReq{b: []byte("k"), kind: reqControl}); err != nil {
			t.Fatalf("control %d: %v", i, err)
		}
	}
	if err := q.push(&writeReq{b: []byte("k"), kind: reqControl}); !errors.Is(err, ErrOverrun) {
		t.Errorf("control past the bound: %v, want ErrOverrun", err)
	}
	for i := 0; i < maxPendingReplies; i++ {
		if err := q.push(&writeReq{b: []byte("r"), kind: reqReply}); err != nil {
			t.Fatalf("reply %d: %v", i, err)
		}
	}
	if err := q.push(&writeReq{b: []byte("r"), kind: reqReply}); !errors.Is(err, ErrOverrun) || !strings.Contains(err.Error(), "socket-list") {
		t.Errorf("reply past the bound: %v, want ErrOverrun naming socket-list replies", err)
	}
	// Taking replies frees their places.
	q.next(nil, maxBatchFrames, 1<<30) // the control frames, up to the frame limit
	q.finished()
	q.next(nil, maxBatchFrames, 1<<30) // the replies
	q.finished()
	if err := q.push(&writeReq{b: []byte("r"), kind: reqReply}); err != nil {
		t.Errorf("reply after the queue drained: %v", err)
	}
	if n, bytes := q.queued(); n != 1 || bytes != 1 {
		t.Errorf("queued() = %d, %d; want 1, 1", n, bytes)
	}
	reqs, inflight := q.clear()
	if len(reqs) != 1 || inflight != nil || !q.empty() {
		t.Errorf("clear: %d requests, in flight %v, empty %v", len(reqs), inflight, q.empty())
	}
}

// A transfer finishes once, however many paths try: its completion and
// onAck run once. (That the duplicate is closed is checked by the
// descriptor-leak tests.)
func TestOutHandleFinishOnce(t *testing.T) {
	acks := 0
	h := &outHandle{result: make(chan error, 1), onAck: func() { acks++ }}
	h.finish(nil)
	h.finish(ErrHandleNotReceived)
	h.finish(nil)
	if err := <-h.result; err != nil || acks != 1 {
		t.Errorf("result %v, onAck ran %d times; want nil, 1", err, acks)
	}
	select {
	case err := <-h.result:
		t.Errorf("second result %v", err)
	default:
	}
}

// A drained FIFO reuses its array: a steady stream allocates nothing.
func TestReqFIFOSteadyStateAllocs(t *testing.T) {
	var f reqFIFO
	r := &writeReq{}
	allocs := testing.AllocsPerRun(1000, func() {
		f.push(r)
		f.push(r)
		f.pop()
		f.pop()
	})
	if allocs != 0 {
		t.Errorf("%v allocations per push/pop round, want 0", allocs)
	}
}
