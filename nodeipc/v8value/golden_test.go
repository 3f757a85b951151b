package v8value

import (
	"bytes"
	"encoding/hex"
	"encoding/json"
	"os"
	"path/filepath"
	"testing"

	"github.com/nodeipc/nodeipc-go/internal/nodetest"
)

type goldenCase struct {
	Name     string `json:"name"`
	Hex      string `json:"hex"`
	Desc     string `json:"desc"`
	Live     bool   `json:"live"`
	Readable bool   `json:"readable"`
}

type goldenFile struct {
	Node  string       `json:"node"`
	Cases []goldenCase `json:"cases"`
}

func loadGolden(t testing.TB) map[string]goldenFile {
	files, err := filepath.Glob(filepath.Join(nodetest.Root(t), "testdata", "v8", "golden-*.json"))
	if err != nil || len(files) == 0 {
		t.Fatalf("no golden files: %v", err)
	}
	out := map[string]goldenFile{}
	for _, f := range files {
		data, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		var g goldenFile
		if err := json.Unmarshal(data, &g); err != nil {
			t.Fatalf("%s: %v", f, err)
		}
		out[filepath.Base(f)] = g
	}
	return out
}

// reencoded is what Marshal writes for a golden payload's value: the same
// bytes, under the header of the format Marshal writes (a format-16
// payload differs from 15 only in buffer lengths over 32 bits).
func reencoded(p []byte) []byte {
	if len(p) >= 2 && p[1] != Version {
		return append([]byte{0xFF, Version}, p[2:]...)
	}
	return p
}

func mustHex(t testing.TB, s string) []byte {
	b, err := hex.DecodeString(s)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

func TestGolden(t *testing.T) {
	total := 0
	for file, g := range loadGolden(t) {
		for _, c := range g.Cases {
			t.Run(file+"/"+c.Name, func(t *testing.T) {
				data := mustHex(t, c.Hex)
				v, err := Decode(data)
				if err != nil {
					t.Fatalf("Decode: %v", err)
				}
				if got := describe(v); got != c.Desc {
					t.Errorf("describe mismatch\n got: %s\nwant: %s", got, c.Desc)
				}
				out, err := Marshal(v)
				if err != nil {
					t.Fatalf("Marshal: %v", err)
				}
				if !bytes.Equal(out, reencoded(data)) {
					t.Errorf("re-encoding differs\n got: %x\nwant: %s", out, c.Hex)
				}
				// Appending after a 4-byte length slot keeps the same bytes.
				framed, err := AppendMarshal(make([]byte, 4, 16), v)
				if err != nil || !bytes.Equal(framed[4:], reencoded(data)) {
					t.Errorf("AppendMarshal after a 4-byte prefix differs: %x %v", framed[4:], err)
				}
			})
			total++
		}
	}
	t.Logf("%d golden vectors", total)
}
