//go:build darwin || freebsd || linux || netbsd || openbsd

package nodeipc

import (
	"bytes"
	"encoding/json"
	"testing"

	"github.com/nodeipc/nodeipc-go/nodeipc/internal/jsonx"
)

// FuzzJSONTopAgrees: the top-level scan that classifies JSON lines agrees
// with validating and decoding them whole: same verdict, same object-ness,
// and the same raw value for each routing key (the last occurrence, as
// JSON.parse and encoding/json keep it).
func FuzzJSONTopAgrees(f *testing.F) {
	for _, s := range []string{
		`{"cmd":"NODE_HANDLE","type":"net.Socket","msg":{"a":[1,"}"]},"key":"k"}`,
		`{"cmd":"NODE_X","cmd":"NODE_Y"}`, `{"c\u006dd":"NODE_X"}`, ` { "count" : 3 , "key":"\"" } `,
		`[{"cmd":"NODE_X"}]`, `"NODE_X"`, `{"cmd":"NODE_X"`, `{"a":{"cmd":"NODE_X"}}`, `{}`, `{"msg":null}`,
	} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		p := jsonx.NodeUTF8(data)
		valid := jsonx.Valid(p) || jsonx.ValidText(p)
		fields, object, ok := jsonx.Top(p, internalKeys)
		if ok != valid {
			t.Fatalf("jsonx.Top valid = %v, validators say %v (input %q)", ok, valid, p)
		}
		if !ok {
			return
		}
		var whole map[string]json.RawMessage
		err := json.Unmarshal(p, &whole)
		if object != (firstNonSpace(p) == '{') {
			t.Fatalf("object = %v (input %q)", object, p)
		}
		if err != nil {
			return // not an object, or deeper than encoding/json goes
		}
		for _, k := range internalKeys {
			want, has := whole[k]
			got, found := fields[k]
			if has != found || !bytes.Equal(got, want) {
				t.Fatalf("key %q: scan %q (%v), decode %q (%v) (input %q)", k, got, found, want, has, p)
			}
		}
	})
}
