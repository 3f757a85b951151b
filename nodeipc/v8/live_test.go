package v8

import (
	"encoding/hex"
	"encoding/json"
	"os"
	"os/exec"
	"path/filepath"
	"testing"
)

// TestLiveNodeDecodes has every Node binary under node_modules deserialize the
// bytes Go writes (re-encoded golden values and the Go-value table) and
// compare them with deepStrictEqual against the original JavaScript values.
func TestLiveNodeDecodes(t *testing.T) {
	root := repoRoot(t)
	golden := loadGolden(t)
	for _, ver := range []string{"18", "20", "22", "24", "26"} {
		t.Run("node"+ver, func(t *testing.T) {
			bin := filepath.Join(root, "node_modules", "node"+ver, "bin", "node")
			if _, err := os.Stat(bin); err != nil {
				if os.Getenv("CI") == "true" {
					t.Fatalf("Node %s binary missing at %s (required when CI=true)", ver, bin)
				}
				t.Skipf("Node %s binary not installed at %s", ver, bin)
			}
			g, ok := golden["golden-node"+ver+".json"]
			if !ok {
				t.Fatalf("no golden file for Node %s", ver)
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
