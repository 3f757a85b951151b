package compat

import (
	"errors"
	"os"
	"os/exec"
	"path/filepath"
	"reflect"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/nodeipc/nodeipc-go/internal/nodetest"
	"github.com/nodeipc/nodeipc-go/nodeipc"
	"github.com/nodeipc/nodeipc-go/nodeipc/v8value"
)

// decodeScript sends values made by Node, in whatever serialization the
// channel has: a jest-worker style call array, an object with what JSON and
// V8 write differently (undefined, holes, boxed numbers, UTF-16 strings),
// and a value for the type mismatch test.
const decodeScript = `
process.on('message', (m) => {
  if (m !== 'go') return;
  const holey = [1, , 3];
  process.send([1, false, 'add', [2, 3], null]);
  process.send({ a: 1.5, b: null, c: 'x\u00e9\u{1F600}', d: undefined, e: holey, f: new Number(7),
    g: { deep: [true, -0, 2 ** 53, -1e-7] }, h: [], i: {} });
  process.send({ n: 'not a number', list: [1, 'two'] });
  process.disconnect();
});
`

// TestDecodeSameTypesBothModes: a value Node sends decodes into any, []any
// and map[string]any as the same Go types (encoding/json's) in JSON and
// advanced mode, and a type mismatch is a *nodeipc.DecodeError in both.
func TestDecodeSameTypesBothModes(t *testing.T) {
	script := filepath.Join(t.TempDir(), "decode.js")
	if err := os.WriteFile(script, []byte(decodeScript), 0o644); err != nil {
		t.Fatal(err)
	}
	for _, node := range nodetest.Binaries(t) {
		t.Run(node.Name, func(t *testing.T) {
			got := map[nodeipc.Serialization][]any{}
			for _, mode := range []nodeipc.Serialization{nodeipc.JSON, nodeipc.Advanced} {
				cmd := exec.Command(node.Path, script)
				cmd.Stdout, cmd.Stderr = os.Stderr, os.Stderr
				ch := startNode(t, cmd, &nodeipc.Options{Serialization: mode})
				ctx := testCtx(t)
				if err := ch.Send(ctx, "go"); err != nil {
					t.Fatal(err)
				}
				var msgs []*nodeipc.Message
				for i := 0; i < 3; i++ {
					m, err := ch.Recv(ctx)
					if err != nil {
						t.Fatalf("%v: recv %d: %v", mode, i, err)
					}
					msgs = append(msgs, m)
				}
				var call []any
				if err := msgs[0].Decode(&call); err != nil {
					t.Fatalf("%v: decode []any: %v", mode, err)
				}
				var obj map[string]any
				if err := msgs[1].Decode(&obj); err != nil {
					t.Fatalf("%v: decode map[string]any: %v", mode, err)
				}
				var anyCall, anyObj any
				if err := msgs[0].Decode(&anyCall); err != nil {
					t.Fatal(err)
				}
				if err := msgs[1].Decode(&anyObj); err != nil {
					t.Fatal(err)
				}
				if !reflect.DeepEqual(anyCall, any(call)) || !reflect.DeepEqual(anyObj, any(obj)) {
					t.Errorf("%v: into any differs from []any / map[string]any: %#v %#v", mode, anyCall, anyObj)
				}
				got[mode] = []any{call, obj}

				var bad struct {
					N    int
					List []int
				}
				err := msgs[2].Decode(&bad)
				var de *nodeipc.DecodeError
				if !errors.As(err, &de) || de.Serialization != mode || de.Type != reflect.TypeFor[int]() || de.Value != "string" || de.Path != ".n" {
					t.Errorf("%v: Decode mismatch = %#v (%v), want a *DecodeError for string into int at .n", mode, de, err)
				}
				if mode == nodeipc.Advanced {
					var vt *v8value.UnmarshalTypeError
					if !errors.As(err, &vt) {
						t.Errorf("advanced: %v does not reach the *v8value.UnmarshalTypeError", err)
					}
					// The exact V8 representation stays available.
					var arr *v8value.Array
					if err := msgs[0].Decode(&arr); err != nil || len(arr.Elements) != 5 {
						t.Errorf("Decode into *v8value.Array = %v, %v", arr, err)
					}
					if v, err := v8value.Decode(msgs[1].Raw()); err != nil {
						t.Error(err)
					} else if _, ok := v.(*v8value.Object); !ok {
						t.Errorf("v8value.Decode gave %T", v)
					}
				}
			}
			want := []any{
				[]any{1.0, false, "add", []any{2.0, 3.0}, nil},
				map[string]any{"a": 1.5, "b": nil, "c": "x\u00e9\U0001F600", "e": []any{1.0, nil, 3.0}, "f": 7.0,
					"g": map[string]any{"deep": []any{true, 0.0, float64(1 << 53), -1e-7}}, "h": []any{}, "i": map[string]any{}},
			}
			for mode, g := range got {
				if diff := cmp.Diff(want, g); diff != "" {
					t.Errorf("%v (-want +got):\n%s", mode, diff)
				}
			}
		})
	}
}
