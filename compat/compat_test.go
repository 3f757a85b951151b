// Package compat holds the tests that run nodeipc against real Node.js
// binaries: Node forks a Go child, and Go forks a Node child, on every Node
// version pinned in package.json.
package compat

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"net"
	"os"
	"os/exec"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/nodeipc/nodeipc-go/internal/nodetest"
	"github.com/nodeipc/nodeipc-go/nodeipc"
)

// goValues are Go values and the exact text JSON.stringify produces in Node
// for the value Node decoded from Go's encoding.
var goValues = []struct {
	v    any
	want string
}{
	{map[string]any{}, `{}`},
	{[]any{}, `[]`},
	{"", `""`},
	{"unicode é ß Ω 中文", `"unicode é ß Ω 中文"`},
	{"emoji 😀🎉", `"emoji 😀🎉"`},
	{"sep\u2028\u2029", "\"sep\u2028\u2029\""},
	{"ctl \x00\x01\x1f\x7f\t\n\r", `"ctl \u0000\u0001\u001f` + "\x7f" + `\t\n\r"`},
	{`quote " backslash \ <tag> & amp`, `"quote \" backslash \\ <tag> & amp"`},
	{0, `0`}, {-1, `-1`}, {1.5, `1.5`}, {1e21, `1e+21`}, {1e-7, `1e-7`},
	{int64(1) << 53, `9007199254740992`}, {int64(1)<<53 + 1, `9007199254740992`},
	{uint64(1) << 63, `9223372036854776000`}, {point3, `0.30000000000000004`},
	{true, `true`}, {false, `false`}, {nil, `null`},
	{[]any{1, "a", nil, true, map[string]any{}}, `[1,"a",null,true,{}]`},
	{map[string]any{"b": 1, "a": map[string]any{"c": []int{1, 2}}}, `{"a":{"c":[1,2]},"b":1}`},
	{map[string]int{"10": 1, "2": 2, "x": 3}, `{"2":2,"10":1,"x":3}`},
	{struct {
		Name string `json:"name"`
		Skip string `json:"-"`
		Age  int    `json:"age,omitempty"`
	}{Name: "n"}, `{"name":"n"}`},
	{map[string]any{"cmd": "NODE_"}, `{"cmd":"NODE_"}`},
}

func TestNodeForksGoChild(t *testing.T) {
	for _, node := range nodetest.Binaries(t) {
		t.Run(node.Name, func(t *testing.T) {
			t.Run("fork", func(t *testing.T) {
				node.Run(t, 3*time.Minute, nodetest.Script(t, "parent-echo.js"), goChild, "echo")
			})
			t.Run("spawn-ipc-slot", func(t *testing.T) {
				node.Run(t, 3*time.Minute, nodetest.Script(t, "parent-echo.js"), goChild, "--spawn", "--skip=big", "echo")
			})
			t.Run("messages-before-recv", func(t *testing.T) {
				// The Go side starts receiving 300 ms after Node sent
				// everything: nothing may be lost or reordered.
				node.Run(t, 3*time.Minute, nodetest.Script(t, "parent-echo.js"), testExe(t), helperEnv("echo-late"), "--skip=big", "helper")
			})
			t.Run("go-sends-then-disconnects", func(t *testing.T) {
				node.Run(t, 3*time.Minute, nodetest.Script(t, "parent-reflect.js"), testExe(t), "go-sends")
			})
		})
	}
}

// helperEchoLate echoes every message, but only starts receiving after
// 300 ms.
func helperEchoLate() int {
	return helperMain("echo-late", 300*time.Millisecond, func(ctx context.Context, ch *nodeipc.Channel, m *nodeipc.Message) error {
		return ch.SendRaw(ctx, m.Raw())
	})
}

// helperGoSends drives parent-reflect.js: Go values checked against Node's
// JSON.stringify of what it decoded, a 10,000-message burst, a 16 MiB
// message, then a disconnect from the Go side.
func helperGoSends() int {
	ch, err := nodeipc.FromEnv(nil)
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		return 2
	}
	ctx := context.Background()
	fail := func(format string, args ...any) int {
		fmt.Fprintf(os.Stderr, "go-sends: "+format+"\n", args...)
		ch.Close()
		return 1
	}
	sent := 0
	for i, tv := range goValues {
		if err := ch.Send(ctx, tv.v); err != nil {
			return fail("send #%d: %v", i, err)
		}
		sent++
		m, err := ch.Recv(ctx)
		if err != nil {
			return fail("recv #%d: %v", i, err)
		}
		var got string
		if err := m.Decode(&got); err != nil {
			return fail("decode #%d: %v", i, err)
		}
		if got != tv.want {
			return fail("value #%d (%#v): Node decoded %s, want %s", i, tv.v, got, tv.want)
		}
	}
	const n = 10000
	for i := 0; i < n; i++ {
		if err := ch.Send(ctx, map[string]int{"seq": i, "n": n}); err != nil {
			return fail("burst %d: %v", i, err)
		}
		sent++
	}
	var burst struct{ BurstOK int }
	if m, err := ch.Recv(ctx); err != nil || m.Decode(&burst) != nil || burst.BurstOK != n {
		return fail("burst reply %v %+v", err, burst)
	}
	big := strings.Repeat("€", 6<<20) // 18 MiB of UTF-8
	if err := ch.Send(ctx, map[string]string{"big": big}); err != nil {
		return fail("big: %v", err)
	}
	sent++
	var bigReply struct {
		BigLen int
		Same   bool
	}
	if m, err := ch.Recv(ctx); err != nil || m.Decode(&bigReply) != nil || bigReply.BigLen != 6<<20 || !bigReply.Same {
		return fail("big reply %v %+v", err, bigReply)
	}
	sent++
	if err := ch.Send(ctx, map[string]int{"bye": sent}); err != nil {
		return fail("bye: %v", err)
	}
	if err := ch.Close(); err != nil {
		return fail("close: %v", err)
	}
	return 0
}

func TestGoForksNodeChild(t *testing.T) {
	for _, node := range nodetest.Binaries(t) {
		t.Run(node.Name, func(t *testing.T) {
			t.Run("values", func(t *testing.T) { testGoValues(t, node) })
			t.Run("echo", func(t *testing.T) { testGoEcho(t, node) })
			t.Run("early", func(t *testing.T) { testNodeEarly(t, node) })
			t.Run("late-listener", func(t *testing.T) { testNodeLateListener(t, node) })
			t.Run("disconnect-from-go", func(t *testing.T) { testDisconnectFromGo(t, node) })
			t.Run("disconnect-from-node", func(t *testing.T) { testDisconnectFromNode(t, node) })
			t.Run("child-exit", func(t *testing.T) { testChildExit(t, node) })
		})
	}
}

// startChild starts testdata/node/child.js under node with a channel.
func startChild(t *testing.T, node nodetest.Node, out *bytes.Buffer, args ...string) (*nodeipc.Channel, *exec.Cmd) {
	t.Helper()
	cmd := exec.Command(node.Path, append([]string{nodetest.Script(t, "child.js")}, args...)...)
	cmd.Stderr = os.Stderr
	if out != nil {
		cmd.Stdout = out
	} else {
		cmd.Stdout = os.Stderr
	}
	return startNode(t, cmd, nil), cmd
}

// startNode starts cmd (a Node script) with a channel. When the test ends
// the channel is closed and the child killed and reaped.
func startNode(t *testing.T, cmd *exec.Cmd, opts *nodeipc.Options) *nodeipc.Channel {
	t.Helper()
	cmd.WaitDelay = 5 * time.Second
	ch, err := nodeipc.Start(cmd, opts)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		ch.Close()
		cmd.Process.Kill()
		cmd.Wait()
	})
	return ch
}

func testCtx(t *testing.T) context.Context {
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	t.Cleanup(cancel)
	return ctx
}

func testGoValues(t *testing.T, node nodetest.Node) {
	ch, _ := startChild(t, node, nil, "reflect")
	ctx := testCtx(t)
	for i, tv := range goValues {
		if err := ch.Send(ctx, tv.v); err != nil {
			t.Fatalf("send #%d: %v", i, err)
		}
		m, err := ch.Recv(ctx)
		if err != nil {
			t.Fatalf("recv #%d: %v", i, err)
		}
		var got string
		if err := m.Decode(&got); err != nil {
			t.Fatalf("decode #%d: %v", i, err)
		}
		if got != tv.want {
			t.Errorf("value #%d %#v: Node decoded %s, want %s", i, tv.v, got, tv.want)
		}
	}
}

func testGoEcho(t *testing.T, node nodetest.Node) {
	ch, _ := startChild(t, node, nil, "echo")
	ctx := testCtx(t)
	// Each value comes back from Node's JSON.parse + JSON.stringify with
	// the same bytes Go sent: Go's encoding is what Node would write.
	for i, tv := range goValues {
		if strings.Contains(tv.want, `"10"`) || strings.Contains(fmt.Sprint(tv.v), "9007199254740993") {
			continue // integer-like keys are reordered by JavaScript objects
		}
		if err := ch.Send(ctx, tv.v); err != nil {
			t.Fatal(err)
		}
		m, err := ch.Recv(ctx)
		if err != nil {
			t.Fatal(err)
		}
		if string(m.Raw()) != tv.want {
			t.Errorf("echo #%d: got %s, want %s", i, m.Raw(), tv.want)
		}
	}
	const n = 10000
	errc := make(chan error, 1)
	go func() {
		for i := 0; i < n; i++ {
			if err := ch.Send(ctx, map[string]int{"seq": i}); err != nil {
				errc <- err
				return
			}
		}
		errc <- nil
	}()
	for i := 0; i < n; i++ {
		m, err := ch.Recv(ctx)
		if err != nil {
			t.Fatalf("recv %d: %v", i, err)
		}
		var got struct{ Seq int }
		if err := m.Decode(&got); err != nil || got.Seq != i {
			t.Fatalf("message %d: %s (%v)", i, m.Raw(), err)
		}
	}
	if err := <-errc; err != nil {
		t.Fatal(err)
	}
	big := strings.Repeat("ü", 8<<20) // 16 MiB of UTF-8
	if err := ch.Send(ctx, big); err != nil {
		t.Fatal(err)
	}
	m, err := ch.Recv(ctx)
	if err != nil {
		t.Fatal(err)
	}
	var got string
	if err := m.Decode(&got); err != nil || got != big {
		t.Fatalf("16 MiB echo: len %d, err %v", len(got), err)
	}
}

func testNodeEarly(t *testing.T, node nodetest.Node) {
	ch, _ := startChild(t, node, nil, "early", "50")
	ctx := testCtx(t)
	time.Sleep(500 * time.Millisecond) // Node sends before anybody receives
	for i := 0; i < 50; i++ {
		m, err := ch.Recv(ctx)
		if err != nil {
			t.Fatal(err)
		}
		var got struct{ Early int }
		if err := m.Decode(&got); err != nil || got.Early != i {
			t.Fatalf("early message %d: %s", i, m.Raw())
		}
	}
}

func testNodeLateListener(t *testing.T, node nodetest.Node) {
	ch, _ := startChild(t, node, nil, "late")
	ctx := testCtx(t)
	for i := 0; i < 100; i++ { // before Node attached its 'message' listener
		if err := ch.Send(ctx, []int{i}); err != nil {
			t.Fatal(err)
		}
	}
	for i := 0; i < 100; i++ {
		m, err := ch.Recv(ctx)
		if err != nil {
			t.Fatal(err)
		}
		if want := fmt.Sprintf("[%d]", i); string(m.Raw()) != want {
			t.Fatalf("got %s, want %s", m.Raw(), want)
		}
	}
}

func testDisconnectFromGo(t *testing.T, node nodetest.Node) {
	var out bytes.Buffer
	ch, cmd := startChild(t, node, &out, "count")
	ctx := testCtx(t)
	const n = 500
	for i := 0; i < n; i++ {
		if err := ch.Send(ctx, i); err != nil {
			t.Fatal(err)
		}
	}
	if err := ch.Close(); err != nil {
		t.Fatal(err)
	}
	if err := ch.Send(ctx, 1); !errors.Is(err, net.ErrClosed) {
		t.Errorf("Send after Close: %v, want net.ErrClosed", err)
	}
	if err := cmd.Wait(); err != nil {
		t.Fatalf("child: %v", err)
	}
	if want := fmt.Sprintf("child: disconnect after %d messages", n); !strings.Contains(out.String(), want) {
		t.Fatalf("child output %q, want %q", out.String(), want)
	}
	select {
	case <-ch.Done():
	default:
		t.Fatal("Done not closed after Close")
	}
}

func testDisconnectFromNode(t *testing.T, node nodetest.Node) {
	ch, cmd := startChild(t, node, nil, "disconnect-after", "5")
	ctx := testCtx(t)
	for i := 0; i < 5; i++ {
		if err := ch.Send(ctx, i); err != nil {
			t.Fatal(err)
		}
	}
	select {
	case <-ch.Done():
	case <-ctx.Done():
		t.Fatal("Done not closed after Node disconnected")
	}
	var got []string
	for {
		m, err := ch.Recv(ctx)
		if err != nil {
			if !errors.Is(err, nodeipc.ErrDisconnected) || !errors.Is(ch.Err(), nodeipc.ErrDisconnected) {
				t.Fatalf("Recv error %v, Err %v; want ErrDisconnected", err, ch.Err())
			}
			break
		}
		got = append(got, string(m.Raw()))
	}
	if diff := cmp.Diff([]string{"0", "1", "2", "3", "4"}, got); diff != "" {
		t.Errorf("messages before Node's disconnect (-want +got):\n%s", diff)
	}
	if err := ch.Send(ctx, 1); !errors.Is(err, nodeipc.ErrDisconnected) {
		t.Errorf("Send after disconnect: %v", err)
	}
	if err := cmd.Wait(); err != nil {
		t.Errorf("child: %v", err)
	}
}

func testChildExit(t *testing.T, node nodetest.Node) {
	ch, cmd := startChild(t, node, nil, "exit-after", "3")
	ctx := testCtx(t)
	for i := 0; i < 3; i++ {
		if err := ch.Send(ctx, i); err != nil {
			t.Fatal(err)
		}
	}
	<-ch.Done()
	n := 0
	for {
		_, err := ch.Recv(ctx)
		if err != nil {
			break
		}
		n++
	}
	if !errors.Is(ch.Err(), nodeipc.ErrDisconnected) {
		t.Errorf("Err = %v", ch.Err())
	}
	var ee *exec.ExitError
	if err := cmd.Wait(); !errors.As(err, &ee) || ee.ExitCode() != 3 {
		t.Errorf("child exit: %v, want exit status 3", err)
	}
	t.Logf("%d echoes arrived before the child's process.exit()", n)
}

var point1, point2 = 0.1, 0.2

var point3 = point1 + point2
