//go:build darwin || freebsd || linux || netbsd || openbsd

package nodeipc_test

import (
	"errors"
	"flag"
	"fmt"
	"os"
	"runtime"
	"runtime/debug"
	"strings"
	"testing"
	"time"

	"github.com/nodeipc/nodeipc-go/nodeipc"
)

var hostileRounds = flag.Int("hostile.rounds", 3, "rounds of TestHostileSoak (each runs every case once)")

// TestHostileSoak runs the hostile-peer cases back to back against one
// pair of workers (an advanced-mode and a JSON-mode channel of this
// process), round after round, answering each the way a worker would
// (decode, echo with SendRaw, close received handles). After the first
// round the process's descriptors, goroutines and RSS must stay flat.
func TestHostileSoak(t *testing.T) {
	ctx := ctxT(t)
	adv, advPeer := rawPeer(t, &nodeipc.Options{Serialization: nodeipc.Advanced})
	js, jsPeer := rawPeer(t, nil)
	echoed := make(chan int, 16)
	go func() { // the advanced peer reads what the worker echoes
		buf := make([]byte, 1<<20)
		for {
			n, err := advPeer.Read(buf)
			if err != nil {
				return
			}
			echoed <- n
		}
	}()
	flood := emptyObjects(1 << 18) // 768 KiB of {}
	nested := func() []byte {
		p := []byte{0xFF, 0x0F}
		for i := 0; i < 999; i++ {
			p = v8Varint(append(p, 'A'), 300_000)
		}
		return advancedFrame(append(p, make([]byte, 8<<10)...))
	}()
	bigJSON := jsonInternal(4 << 20)()
	round := func(r int) {
		// Sparse arrays with huge indices, decoded into a slice.
		for _, idx := range []uint64{4294967294, 10_000_000} {
			advPeer.Write(sparseItems(idx))
			var v struct{ Items []int }
			if err := recvDecode(ctx, adv, &v); err == nil || !strings.Contains(err.Error(), "sparse array") {
				t.Fatalf("round %d: sparse %d: %v", r, idx, err)
			}
		}
		// Nested array headers announcing the whole frame.
		advPeer.Write(nested)
		if _, err := adv.Recv(ctx); !errors.Is(err, nodeipc.ErrMalformedMessage) {
			t.Fatalf("round %d: nested headers: %v", r, err)
		}
		// A flood of {} received and echoed.
		go advPeer.Write(flood)
		m, err := adv.Recv(ctx)
		if err != nil {
			t.Fatalf("round %d: flood: %v", r, err)
		}
		if err := adv.SendRaw(ctx, m.Raw()); err != nil {
			t.Fatalf("round %d: echo: %v", r, err)
		}
		for got := 0; got < len(flood); got += <-echoed {
		}
		// Payloads Node refuses are refused by SendRaw.
		for _, p := range [][]byte{{0xFF, 0x10, 'I', 2}, []byte("\xff\x0fo\"\x01aI\x02\"\x01aI\x04{\x02"), []byte("\xff\x0f\\\x01I\x02"), []byte("\xff\x0fR\"\x01(\x00")} {
			if err := adv.SendRaw(ctx, p); !errors.Is(err, nodeipc.ErrUnsupportedValue) {
				t.Fatalf("round %d: SendRaw(%x) = %v", r, p, err)
			}
		}
		// A large JSON line that looks internal, then a user message.
		go jsPeer.Write(bigJSON)
		if _, err := jsonSkipped(ctx, js); err != nil {
			t.Fatalf("round %d: %v", r, err)
		}
		// Handles: triple-wrapped, of the wrong kind, with ever new keys.
		for i := 0; i < 4; i++ {
			ln, client, server := streamPair(t, "tcp", "127.0.0.1:0")
			env := fmt.Sprintf(`{"cmd":"NODE_HANDLE","type":"net.Socket","msg":%d,"key":"k%d-%d"}`, i, r, i)
			for w := 0; w < i; w++ {
				env = `{"cmd":"NODE_HANDLE","type":"net.Native","msg":` + env + `}`
			}
			sendWithFD(t, jsPeer, env+"\n", connFD(t, server))
			server.Close()
			readFrame(t, jsPeer)
			m, err := js.Recv(ctx)
			if err != nil || m.Conn() == nil {
				t.Fatalf("round %d: handle wrapped %d times: %v", r, i+1, err)
			}
			m.Conn().Close()
			client.Close()
			ln.Close()
		}
		f, err := os.Open(os.DevNull)
		if err != nil {
			t.Fatal(err)
		}
		sendWithFD(t, jsPeer, `{"cmd":"NODE_HANDLE","type":"net.Socket","msg":0}`+"\n", int(f.Fd()))
		f.Close()
		readFrame(t, jsPeer)
		if _, err := js.Recv(ctx); !errors.Is(err, nodeipc.ErrBadHandle) {
			t.Fatalf("round %d: /dev/null as a socket: %v", r, err)
		}
	}
	start := time.Now()
	round(0)
	debug.FreeOSMemory()
	before := sample(t)
	for r := 1; r < *hostileRounds; r++ {
		round(r)
	}
	debug.FreeOSMemory()
	after := sample(t)
	t.Logf("%d rounds in %v: before %+v, after %+v", *hostileRounds, time.Since(start).Round(time.Millisecond), before, after)
	if after.fds > before.fds || after.goroutines > before.goroutines+2 {
		t.Errorf("resources grew: before %+v, after %+v", before, after)
	}
	if after.rssKiB > before.rssKiB+32<<10 && !raceEnabled {
		t.Errorf("RSS grew from %d to %d KiB", before.rssKiB, after.rssKiB)
	}
	runtime.KeepAlive(flood)
}
