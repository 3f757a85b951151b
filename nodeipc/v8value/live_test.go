package v8value

import (
	"encoding/hex"
	"encoding/json"
	"os"
	"os/exec"
	"path/filepath"
	"testing"

	"github.com/nodeipc/nodeipc-go/internal/nodetest"
)

// TestLiveNodeDecodes has every Node binary under node_modules deserialize the
// bytes Go writes (re-encoded golden values and the Go-value table) and
// compare them with deepStrictEqual against the original JavaScript values.
func TestLiveNodeDecodes(t *testing.T) {
	root := nodetest.Root(t)
	golden := loadGolden(t)
	for _, node := range nodetest.Binaries(t) {
		t.Run(node.Name, func(t *testing.T) {
			bin := node.Path
			g, ok := golden["golden-"+node.Name+".json"]
			if !ok && node.Name == "node" {
				t.Skipf("no pinned Node binaries: %s on PATH has no golden file", node.Version)
			}
			if !ok {
				t.Fatalf("no golden file for %s", node.Name)
			}
			payloads := map[string]string{}
			for _, c := range g.Cases {
				v, err := Decode(mustHex(t, c.Hex))
				if err != nil {
					t.Fatal(err)
				}
				b, err := Marshal(v)
				if err != nil {
					t.Fatal(err)
				}
				payloads[c.Name] = hex.EncodeToString(b)
			}
			for name, v := range goValues() {
				b, err := Marshal(v)
				if err != nil {
					t.Fatal(err)
				}
				payloads[name] = hex.EncodeToString(b)
			}
			file := filepath.Join(t.TempDir(), "payloads.json")
			data, _ := json.Marshal(payloads)
			if err := os.WriteFile(file, data, 0o644); err != nil {
				t.Fatal(err)
			}
			out, err := exec.Command(bin, filepath.Join(root, "testdata", "node", "v8-golden.js"), "--check", file).Output()
			if err != nil {
				t.Fatalf("node: %v", err)
			}
			var res struct {
				Node     string   `json:"node"`
				OK       int      `json:"ok"`
				Failures []string `json:"failures"`
			}
			if err := json.Unmarshal(out, &res); err != nil {
				t.Fatalf("bad output %q: %v", out, err)
			}
			for _, f := range res.Failures {
				t.Error(f)
			}
			if res.OK == 0 {
				t.Fatal("nothing checked")
			}
			t.Logf("%s: %d payloads written by Go decoded deepStrictEqual", res.Node, res.OK)
		})
	}
}
