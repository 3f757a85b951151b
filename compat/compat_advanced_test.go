//go:build darwin || freebsd || linux || netbsd || openbsd

package compat

import (
	"context"
	"errors"
	"fmt"
	"math"
	"math/big"
	"os"
	"os/exec"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/nodeipc/nodeipc-go/internal/nodetest"
	"github.com/nodeipc/nodeipc-go/nodeipc"
	"github.com/nodeipc/nodeipc-go/nodeipc/v8value"
)

func init() {
	helpers["echo-decoded"] = helperEchoDecoded
}

// helperEchoDecoded decodes every message into a Go value and sends that
// value back: the Go decoder and encoder must reproduce what Node sent.
func helperEchoDecoded() int {
	return helperMain("echo-decoded", 0, func(ctx context.Context, ch *nodeipc.Channel, m *nodeipc.Message) error {
		var v any
		var err error
		if m.Serialization() == nodeipc.Advanced {
			v, err = v8value.Decode(m.Raw()) // the exact V8 representation
		} else {
			err = m.Decode(&v)
		}
		if err != nil {
			return err
		}
		return ch.Send(ctx, v)
	})
}

func TestAdvancedNodeForksGoChild(t *testing.T) {
	for _, node := range nodetest.Binaries(t) {
		t.Run(node.Name, func(t *testing.T) {
			t.Run("raw-echo", func(t *testing.T) {
				node.Run(t, 3*time.Minute, nodetest.Script(t, "parent-echo.js"), goChild, "--serialization=advanced", "echo")
			})
			t.Run("decode-reencode", func(t *testing.T) {
				node.Run(t, 3*time.Minute, nodetest.Script(t, "parent-echo.js"), testExe(t), "--serialization=advanced", helperEnv("echo-decoded"), "helper")
			})
		})
	}
}

// goAdvancedValues are Go values whose V8 encoding Node decodes and
// re-encodes to the same bytes.
func goAdvancedValues() []any {
	type point struct {
		X, Y int
		Tag  string `json:"tag,omitempty"`
	}
	return []any{
		map[string]any{"a": 1, "s": "x", "f": 1.5, "n": nil, "b": true},
		map[string]any{"10": "ten", "2": "two", "z": []any{1, "two", 3.5}},
		[]byte("a Buffer"),
		time.UnixMilli(1700000000123).UTC(),
		map[string]any{"big": new(big.Int).Lsh(big.NewInt(1), 100), "neg": big.NewInt(-7)},
		point{X: 1, Y: -2},
		"Ω two-byte", "latin1 é", "emoji 😀", "",
		math.Inf(1), math.Copysign(0, -1), math.MaxInt32, int64(math.MaxInt32) + 1,
		[]any{v8value.Undefined{}, nil},
		&v8value.Map{Entries: []v8value.MapEntry{{Key: 1, Value: "one"}, {Key: "k", Value: []any{}}}},
		&v8value.Set{Values: []any{1, "a"}},
		&v8value.RegExp{Source: "ab+c", Flags: v8value.FlagGlobal | v8value.FlagIgnoreCase},
		&v8value.TypedArray{Type: v8value.Float64Array, Bytes: make([]byte, 16)},
		&v8value.Error{Name: "TypeError", Message: "bad", HasMessage: true, Stack: "TypeError: bad", HasStack: true},
	}
}

func TestAdvancedGoForksNodeChild(t *testing.T) {
	for _, node := range nodetest.Binaries(t) {
		t.Run(node.Name, func(t *testing.T) {
			cmd := exec.Command(node.Path, nodetest.Script(t, "child.js"), "echo")
			cmd.Stdout, cmd.Stderr = os.Stderr, os.Stderr
			ch := startNode(t, cmd, &nodeipc.Options{Serialization: nodeipc.Advanced})
			ctx := testCtx(t)
			for i, v := range goAdvancedValues() {
				want, err := v8value.Marshal(v)
				if err != nil {
					t.Fatalf("#%d: %v", i, err)
				}
				if err := ch.Send(ctx, v); err != nil {
					t.Fatalf("send #%d: %v", i, err)
				}
				m, err := ch.Recv(ctx)
				if err != nil {
					t.Fatalf("recv #%d: %v", i, err)
				}
				if string(m.Raw()) == string(want) {
					continue
				}
				// Node re-encodes arrays it deserialized as sparse ones (V8
				// makes them holey): compare values, not bytes, then.
				wv, err1 := v8value.Decode(want)
				gv, err2 := v8value.Decode(m.Raw())
				if err1 != nil || err2 != nil {
					t.Fatalf("#%d: decode: %v %v", i, err1, err2)
				}
				if diff := cmp.Diff(normalizeV8(wv), normalizeV8(gv)); diff != "" {
					t.Errorf("#%d %#v: Node decoded a different value (-go +node):\n%s", i, v, diff)
				}
			}
			const n = 10000
			go func() {
				for i := 0; i < n; i++ {
					if ch.Send(ctx, map[string]int{"seq": i}) != nil {
						return
					}
				}
			}()
			for i := 0; i < n; i++ {
				m, err := ch.Recv(ctx)
				if err != nil {
					t.Fatal(err)
				}
				var got struct{ Seq int }
				if err := m.Decode(&got); err != nil || got.Seq != i {
					t.Fatalf("message %d: %+v %v", i, got, err)
				}
			}
			if err := ch.Send(ctx, v8value.Undefined{}); !errors.Is(err, nodeipc.ErrUnsupportedValue) {
				t.Errorf("Send(undefined) = %v, want ErrUnsupportedValue", err)
			}
			if err := ch.Send(ctx, big.NewInt(1)); !errors.Is(err, nodeipc.ErrUnsupportedValue) {
				t.Errorf("Send(BigInt) = %v, want ErrUnsupportedValue", err)
			}
		})
	}
}

// normalizeV8 maps a decoded V8 value to a comparable tree in which dense
// and sparse arrays, and int and double numbers, look the same.
func normalizeV8(v any) any {
	switch x := v.(type) {
	case int:
		return float64(x)
	case v8value.Double:
		return float64(x)
	case *v8value.Array:
		elems := make([]any, x.Length)
		for i := range elems {
			elems[i] = v8value.Hole{}
		}
		props := x.Props
		if !x.Sparse {
			for i, e := range x.Elements {
				elems[i] = normalizeV8(e)
			}
		}
		var extra [][2]any
		for _, p := range props {
			var idx uint32
			if _, err := fmt.Sscanf(p.Key, "%d", &idx); err == nil && fmt.Sprint(idx) == p.Key && idx < x.Length {
				elems[idx] = normalizeV8(p.Value)
				continue
			}
			extra = append(extra, [2]any{p.Key, normalizeV8(p.Value)})
		}
		return []any{elems, extra}
	case *v8value.Object:
		out := make([][2]any, len(x.Props))
		for i, p := range x.Props {
			out[i] = [2]any{p.Key, normalizeV8(p.Value)}
		}
		return out
	case *v8value.Map:
		out := make([][2]any, len(x.Entries))
		for i, e := range x.Entries {
			out[i] = [2]any{normalizeV8(e.Key), normalizeV8(e.Value)}
		}
		return out
	case *v8value.Set:
		out := make([]any, len(x.Values))
		for i, e := range x.Values {
			out[i] = normalizeV8(e)
		}
		return out
	case *v8value.Error:
		return [7]any{x.Name, x.Message, x.HasMessage, x.Stack, x.HasStack, normalizeV8(x.Cause), x.HasCause}
	case *big.Int:
		return x.String()
	}
	return v
}
