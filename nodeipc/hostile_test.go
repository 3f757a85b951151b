//go:build darwin || freebsd || linux || netbsd || openbsd

package nodeipc_test

import (
	"bufio"
	"bytes"
	"context"
	"encoding/binary"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"os/exec"
	"runtime"
	"runtime/debug"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/nodeipc/nodeipc-go/internal/testsock"
	"github.com/nodeipc/nodeipc-go/nodeipc"
)

// The hostile-peer cases run in a re-executed test binary (see TestMain),
// one process per case, under a 4 GiB address-space limit: a case that
// would allocate past it dies, which the parent reports. The worker
// measures the memory the case touched from /proc/self/status (VmHWM,
// after resetting it through /proc/self/clear_refs) and prints one
// result line.

// hostileEnv names the case a re-executed test binary runs.
const hostileEnv = "NODEIPC_HOSTILE_CASE"

// hostileLimit is the address-space limit of a worker.
const hostileLimit = 4 << 30

// hostileResult is what a worker reports.
type hostileResult struct {
	Case       string  `json:"case"`
	Bytes      int     `json:"bytes"`       // bytes the peer sent
	TouchedKiB int     `json:"touched_kib"` // VmHWM growth during the case
	Seconds    float64 `json:"seconds"`
	Outcome    string  `json:"outcome"` // what Recv/Decode returned
}

// hostileCase is one thing a buggy or hostile peer sends.
type hostileCase struct {
	name string
	mode nodeipc.Serialization
	// frames returns the bytes to send.
	frames func() []byte
	// handle receives and reacts like a worker would; it returns a short
	// description of the outcome, or an error when the outcome is wrong.
	handle func(ctx context.Context, ch *nodeipc.Channel) (string, error)
	// budget is the touched memory allowed, as a multiple of the bytes
	// received, plus slack for the runtime.
	budget float64
	// large cases run only with -hostile.full.
	large bool
}

var hostileFull = flag.Bool("hostile.full", false, "also run the large hostile-peer cases (128 MiB and 65 MB frames)")

func advancedFrame(p []byte) []byte {
	return append(binary.BigEndian.AppendUint32(nil, uint32(len(p))), p...)
}

func v8Varint(b []byte, v uint64) []byte {
	for v >= 0x80 {
		b = append(b, byte(v)|0x80)
		v >>= 7
	}
	return append(b, byte(v))
}

// sparseItems is what Node writes for {items: a} after
// `const a = []; a[index] = 1` (36 bytes for the largest index).
func sparseItems(index uint64) []byte {
	b := []byte{0xFF, 0x0F, 'o', '"', 5}
	b = append(b, "items"...)
	b = append(b, 'a')
	b = v8Varint(b, index+1)
	b = append(b, 'U')
	b = v8Varint(b, index)
	b = append(b, 'I', 2, '@', 1)
	b = v8Varint(b, index+1)
	return advancedFrame(append(b, '{', 1))
}

// emptyObjects is a dense array of n empty objects: [{}, {}, …].
func emptyObjects(n int) []byte {
	b := make([]byte, 0, 3*n+16)
	b = append(b, 0xFF, 0x0F, 'A')
	b = v8Varint(b, uint64(n))
	for i := 0; i < n; i++ {
		b = append(b, 'o', '{', 0)
	}
	b = append(b, '$', 0)
	return advancedFrame(v8Varint(b, uint64(n)))
}

// recvDecode receives one message and decodes it into v.
func recvDecode(ctx context.Context, ch *nodeipc.Channel, v any) error {
	m, err := ch.Recv(ctx)
	if err != nil {
		return err
	}
	return m.Decode(v)
}

func hostileCases() []hostileCase {
	sparseInto := func(ctx context.Context, ch *nodeipc.Channel) (string, error) {
		var v struct{ Items []int }
		err := recvDecode(ctx, ch, &v)
		if err == nil || !strings.Contains(err.Error(), "sparse array") {
			return "", fmt.Errorf("Decode into []int = %v, want the sparse-array error", err)
		}
		return "sparse-array error", nil
	}
	sink := func(want int) func(ctx context.Context, ch *nodeipc.Channel) (string, error) {
		return func(ctx context.Context, ch *nodeipc.Channel) (string, error) {
			m, err := ch.Recv(ctx)
			if err != nil {
				return "", err
			}
			if len(m.Raw()) != want {
				return "", fmt.Errorf("received %d bytes, want %d", len(m.Raw()), want)
			}
			return "received", nil
		}
	}
	const objects = 4 << 20 // 12 MiB of {}
	const bigObjects = (128<<20 - 32) / 3
	return []hostileCase{{
		name:   "sparse index 2^32-2 into []int",
		mode:   nodeipc.Advanced,
		frames: func() []byte { return sparseItems(4294967294) },
		handle: sparseInto, budget: 0,
	}, {
		name:   "sparse index 1e7 into []int",
		mode:   nodeipc.Advanced,
		frames: func() []byte { return sparseItems(10_000_000) },
		handle: sparseInto, budget: 0,
	}, {
		name: "999 nested array headers of 300000",
		mode: nodeipc.Advanced,
		frames: func() []byte {
			p := []byte{0xFF, 0x0F}
			for i := 0; i < 999; i++ {
				p = v8Varint(append(p, 'A'), 300_000)
			}
			p = append(p, bytes.Repeat([]byte{'_'}, 304_000-len(p))...)
			return advancedFrame(p)
		},
		handle: func(ctx context.Context, ch *nodeipc.Channel) (string, error) {
			_, err := ch.Recv(ctx)
			if !errors.Is(err, nodeipc.ErrMalformedMessage) {
				return "", fmt.Errorf("Recv = %v, want ErrMalformedMessage", err)
			}
			return "malformed", nil
		},
		budget: 8,
	}, {
		name:   "12 MiB of {} received",
		mode:   nodeipc.Advanced,
		frames: func() []byte { return emptyObjects(objects) },
		handle: sink(3*objects + 13), budget: 3,
	}, {
		name:   "12 MiB of {} echoed with SendRaw",
		mode:   nodeipc.Advanced,
		frames: func() []byte { return emptyObjects(objects) },
		handle: func(ctx context.Context, ch *nodeipc.Channel) (string, error) {
			m, err := ch.Recv(ctx)
			if err != nil {
				return "", err
			}
			if err := ch.SendRaw(ctx, m.Raw()); err != nil {
				return "", err
			}
			return "echoed", nil
		},
		budget: 4,
	}, {
		name:   "128 MiB frame of {} received",
		mode:   nodeipc.Advanced,
		frames: func() []byte { return emptyObjects(bigObjects) },
		handle: sink(3*bigObjects + 13), budget: 3, large: true,
	}, {
		name:   "16 MB JSON object that looks internal",
		mode:   nodeipc.JSON,
		frames: jsonInternal(16_000_000),
		handle: jsonSkipped, budget: 5,
	}, {
		name:   "65 MB JSON object that looks internal",
		mode:   nodeipc.JSON,
		frames: jsonInternal(65_000_000),
		handle: jsonSkipped, budget: 5, large: true,
	}}
}

// jsonInternal is an n-byte JSON object with "cmd":"NODE_X", then "1".
func jsonInternal(n int) func() []byte {
	return func() []byte {
		var b bytes.Buffer
		b.WriteString(`{"cmd":"NODE_X","v":[`)
		for b.Len() < n {
			b.WriteString(`{"a":1,"b":"xy"},`)
		}
		b.WriteString(`0]}` + "\n1\n")
		return b.Bytes()
	}
}

func jsonSkipped(ctx context.Context, ch *nodeipc.Channel) (string, error) {
	m, err := ch.Recv(ctx) // the internal one is not delivered
	if err != nil || string(m.Raw()) != "1" {
		return "", fmt.Errorf("Recv = %v, %v; want the message after the internal one", m, err)
	}
	return "internal skipped", nil
}

// hostileWorker runs the case named by the environment and prints its
// result; it is the whole of a re-executed test binary's work.
func hostileWorker(name string) int {
	if err := limitAddressSpace(hostileLimit); err != nil {
		fmt.Fprintln(os.Stderr, "setrlimit:", err)
		return 2
	}
	var tc hostileCase
	for _, c := range hostileCases() {
		if c.name == name {
			tc = c
		}
	}
	if tc.name == "" {
		fmt.Fprintln(os.Stderr, "unknown case", name)
		return 2
	}
	a, peer, err := testsock.Pair()
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		return 2
	}
	ch, err := nodeipc.New(a, &nodeipc.Options{Serialization: tc.mode})
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		return 2
	}
	data := tc.frames()
	go io.Copy(io.Discard, peer) // what the worker sends back
	runtime.GC()
	debug.FreeOSMemory()
	base := vmKiB("VmRSS")
	os.WriteFile("/proc/self/clear_refs", []byte("5"), 0) // VmHWM := VmRSS
	start := time.Now()
	go peer.Write(data)
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	outcome, err := tc.handle(ctx, ch)
	elapsed := time.Since(start)
	if err != nil {
		outcome = "FAIL: " + err.Error()
	}
	hwm := vmKiB("VmHWM")
	runtime.KeepAlive(data)
	ch.Close()
	peer.Close()
	line, _ := json.Marshal(hostileResult{Case: tc.name, Bytes: len(data), TouchedKiB: hwm - base, Seconds: elapsed.Seconds(), Outcome: outcome})
	fmt.Printf("HOSTILE %s\n", line)
	return 0
}

func vmKiB(field string) int {
	b, _ := os.ReadFile("/proc/self/status")
	for _, l := range strings.Split(string(b), "\n") {
		if rest, ok := strings.CutPrefix(l, field+":"); ok {
			n, _ := strconv.Atoi(strings.TrimSpace(strings.TrimSuffix(strings.TrimSpace(rest), "kB")))
			return n
		}
	}
	return 0
}

// runHostile runs one case in a fresh process and returns its result.
func runHostile(t *testing.T, name string) (hostileResult, error) {
	cmd := exec.Command(os.Args[0], "-test.run=^$")
	cmd.Env = append(os.Environ(), hostileEnv+"="+name)
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	out, err := cmd.Output()
	var res hostileResult
	sc := bufio.NewScanner(bytes.NewReader(out))
	for sc.Scan() {
		if rest, ok := strings.CutPrefix(sc.Text(), "HOSTILE "); ok {
			json.Unmarshal([]byte(rest), &res)
		}
	}
	if err != nil || res.Case == "" {
		msg := stderr.String()
		if i := strings.Index(msg, "fatal error"); i >= 0 {
			msg = msg[i:]
		}
		if len(msg) > 300 {
			msg = msg[:300]
		}
		return res, fmt.Errorf("worker died (%v): %s", err, msg)
	}
	return res, nil
}

// TestHostilePeer: none of the hostile inputs kills the worker, and
// receiving (and decoding, where the case decodes) touches no more memory
// than the documented budget: a small multiple of the bytes received.
func TestHostilePeer(t *testing.T) {
	skipUnlessSelfExec(t)
	const slackKiB = 24 << 10 // runtime, read buffer growth, GC timing
	for _, tc := range hostileCases() {
		if tc.large && !*hostileFull {
			continue
		}
		res, err := runHostile(t, tc.name)
		if err != nil {
			t.Errorf("%s: %v", tc.name, err)
			continue
		}
		t.Logf("%-40s %10d B sent  %8d KiB touched (%.2fx)  %.2fs  %s", res.Case, res.Bytes, res.TouchedKiB,
			float64(res.TouchedKiB)*1024/float64(res.Bytes), res.Seconds, res.Outcome)
		if strings.HasPrefix(res.Outcome, "FAIL") {
			t.Errorf("%s: %s", tc.name, res.Outcome)
		}
		if limit := tc.budget*float64(res.Bytes)/1024 + slackKiB; float64(res.TouchedKiB) > limit && !raceEnabled {
			t.Errorf("%s: touched %d KiB, budget %.0f KiB (%.0fx %d bytes + %d KiB)", tc.name, res.TouchedKiB, limit, tc.budget, res.Bytes, slackKiB)
		}
	}
}
