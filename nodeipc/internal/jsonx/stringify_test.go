package jsonx

import (
	"bufio"
	"bytes"
	"encoding/json"
	"math"
	"math/big"
	"os/exec"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/nodeipc/nodeipc-go/internal/nodetest"
)

type point struct {
	X, Y float64
}

type tagged struct {
	B      float64  `json:"b"`
	Idx    int      `json:"10"`
	Skip   float64  `json:"-"`
	Empty  float64  `json:"e,omitempty"`
	Quoted float64  `json:"q,string"`
	Ptr    *float64 `json:"p"`
	Zero   int      `json:"z,omitzero"`
	Two    int      `json:"2"`
	point
}

type textKey struct{ a, b int }

func (k textKey) MarshalText() ([]byte, error) {
	return []byte(string(rune('a'+k.a)) + string(rune('a'+k.b))), nil
}

// stringifyCases are Go values, the text Marshal must write for each
// (which is also JSON.stringify(JSON.parse(text)) on every pinned Node,
// checked by TestMarshalMatchesNode), and, for the documented exceptions,
// what Node writes instead.
var stringifyCases = []struct {
	name string
	in   any
	want string
	node string // when not want: JSON.stringify(JSON.parse(want)) by design differs
}{
	{name: "html", in: "<a>&", want: `"<a>&"`},
	{name: "line separators", in: "a\u2028b\u2029c", want: "\"a\u2028b\u2029c\""},
	{name: "escaped backslash before u2028 text", in: `\u2028`, want: `"\\u2028"`},
	{name: "control", in: "\x00\x01\x08\t\n\f\r\x1f\x7f\"\\/", want: `"\u0000\u0001\b\t\n\f\r\u001f` + "\x7f" + `\"\\/"`},
	{name: "replacement char", in: "\ufffd", want: "\"\ufffd\""},
	{name: "invalid utf8", in: "a\xffb\xed\xa0\x80", want: "\"a\ufffdb\ufffd\ufffd\ufffd\""},
	{name: "astral", in: "\U0001F600", want: "\"\U0001F600\""},
	{name: "lone high surrogate (raw JSON)", in: RawMessage(`"\uD800x"`), want: `"\ud800x"`},
	{name: "lone low surrogate (raw JSON)", in: RawMessage(`["\udfff"]`), want: `["\udfff"]`},
	{name: "pair escaped (raw JSON)", in: RawMessage(`"\ud83d\ude00\u0041\/"`), want: "\"\U0001F600A/\""},
	{name: "big float", in: 1e21, want: `1e+21`},
	{name: "small float", in: 1e-7, want: `1e-7`},
	{name: "below e-6", in: 1.5e-6, want: `0.0000015`},
	{name: "max float", in: math.MaxFloat64, want: `1.7976931348623157e+308`},
	{name: "min subnormal", in: 5e-324, want: `5e-324`},
	{name: "float32", in: float32(0.1), want: `0.1`},
	{name: "fixed 20 digits", in: 123456789012345680000.0, want: `123456789012345680000`},
	{name: "negative zero", in: math.Copysign(0, -1), want: `0`},
	{name: "negative zero float32", in: float32(math.Copysign(0, -1)), want: `0`},
	{name: "negative zero in array", in: []any{math.Copysign(0, -1), -0.5, "-0"}, want: `[0,-0.5,"-0"]`},
	{name: "NaN", in: math.NaN(), want: `null`},
	{name: "Inf", in: math.Inf(1), want: `null`},
	{name: "-Inf", in: math.Inf(-1), want: `null`},
	{name: "NaN in array", in: []float64{1, math.NaN(), math.Inf(-1)}, want: `[1,null,null]`},
	{name: "NaN in map", in: map[string]any{"a": math.NaN(), "b": []any{math.Inf(1), "x"}}, want: `{"a":null,"b":[null,"x"]}`},
	{name: "NaN in struct", in: tagged{B: math.NaN(), Idx: 1, Quoted: math.Inf(1), Two: 2, point: point{X: math.NaN(), Y: 1}},
		want: `{"2":2,"10":1,"b":null,"q":null,"p":null,"X":null,"Y":1}`},
	{name: "struct with index-like tags", in: tagged{B: 1.5, Idx: 1, Empty: 2, Quoted: 3, Two: 2, Zero: 4},
		want: `{"2":2,"10":1,"b":1.5,"e":2,"q":"3","p":null,"z":4,"X":0,"Y":0}`},
	{name: "NaN pointer", in: &struct{ F *float64 }{F: ptr(math.NaN())}, want: `{"F":null}`},
	{name: "NaN float32 map value", in: map[int]float32{2: float32(math.NaN()), 10: 1}, want: `{"2":null,"10":1}`},
	{name: "NaN with time and bytes", in: []any{math.NaN(), []byte("hi"), time.Date(2026, 1, 2, 3, 4, 5, 6e6, time.UTC)}, want: `[null,"aGk=","2026-01-02T03:04:05.006Z"]`},
	{name: "index keys", in: map[string]int{"b": 1, "10": 2, "9": 3, "a": 4, "0": 5, "-1": 6, "01": 7, "4294967294": 8, "4294967295": 9, "1.5": 10, "": 11, " 1": 12},
		want: `{"0":5,"9":3,"10":2,"4294967294":8,"":11," 1":12,"-1":6,"01":7,"1.5":10,"4294967295":9,"a":4,"b":1}`},
	{name: "int keys", in: map[int]string{10: "a", 9: "b", -1: "c", 100: "d"}, want: `{"9":"b","10":"a","100":"d","-1":"c"}`},
	{name: "uint keys", in: map[uint64]int{1 << 33: 1, 3: 2}, want: `{"3":2,"8589934592":1}`},
	{name: "text keys", in: map[textKey]int{{1, 0}: 1, {0, 1}: 2}, want: `{"ab":2,"ba":1}`},
	{name: "nested index keys", in: []any{map[string]any{"x": map[string]int{"2": 1, "1": 2, "!": 3}}}, want: `[{"x":{"1":2,"2":1,"!":3}}]`},
	{name: "key escapes", in: map[string]int{"\u2028": 1, "\"": 2, "5": 3}, want: "{\"5\":3,\"\\\"\":2,\"\u2028\":1}"},
	{name: "raw duplicate keys", in: RawMessage(`{"a":1,"1":2,"a":3}`), want: `{"1":2,"a":3}`},
	{name: "raw with spaces", in: RawMessage(` { "b" : [ 1 , -0 ] , "0" : true } `), want: `{"0":true,"b":[1,0]}`},
	{name: "empty", in: []any{map[string]any{}, []any{}, ""}, want: `[{},[],""]`},
	{name: "time", in: time.Date(2026, 12, 1, 10, 45, 37, 123456789, time.UTC), want: `"2026-12-01T10:45:37.123456789Z"`},
	{name: "bytes", in: []byte{0, 1, 2, 0xff}, want: `"AAEC/w=="`},
	{name: "nil bytes", in: []byte(nil), want: `null`},
	{name: "2^53", in: int64(1 << 53), want: `9007199254740992`},
	{name: "2^53+1", in: int64(1<<53 + 1), want: `9007199254740993`, node: `9007199254740992`},
	{name: "max int64", in: int64(math.MaxInt64), want: `9223372036854775807`, node: `9223372036854776000`},
	{name: "max uint64", in: uint64(math.MaxUint64), want: `18446744073709551615`, node: `18446744073709552000`},
	{name: "big.Int", in: new(big.Int).Lsh(big.NewInt(1), 70), want: `1180591620717411303424`, node: `1.1805916207174113e+21`},
	{name: "json.Number", in: json.Number("1.0"), want: `1.0`, node: `1`},
}

func ptr[T any](v T) *T { return &v }

func TestMarshalStringifyTable(t *testing.T) {
	t.Parallel()
	for _, tt := range stringifyCases {
		got, err := Marshal(tt.in)
		if err != nil {
			t.Errorf("%s: %v", tt.name, err)
			continue
		}
		if string(got) != tt.want {
			t.Errorf("%s: Marshal = %s, want %s", tt.name, got, tt.want)
		}
		line, err := AppendLine([]byte("p"), tt.in)
		if err != nil || string(line) != "p"+tt.want+"\n" {
			t.Errorf("%s: AppendLine = %q, %v; want %q", tt.name, line, err, "p"+tt.want+"\n")
		}
	}
}

// TestMarshalMatchesNode checks every table entry against a real Node:
// JSON.stringify(JSON.parse(ours)) must give our bytes back (or, for the
// documented exceptions, Node's text).
func TestMarshalMatchesNode(t *testing.T) {
	var in bytes.Buffer
	for _, tt := range stringifyCases {
		in.WriteString(tt.want)
		in.WriteByte('\n')
	}
	const script = `let buf = '';
process.stdin.setEncoding('utf8');
process.stdin.on('data', (d) => { buf += d; });
process.stdin.on('end', () => {
  const lines = buf.split('\n'); lines.pop();
  process.stdout.write(lines.map((l) => JSON.stringify(JSON.parse(l))).join('\n') + '\n');
});`
	for _, node := range nodetest.Binaries(t) {
		t.Run(node.Name, func(t *testing.T) {
			cmd := exec.Command(node.Path, "-e", script)
			cmd.Stdin = bytes.NewReader(in.Bytes())
			out, err := cmd.Output()
			if err != nil {
				t.Fatalf("%s: %v", node.Version, err)
			}
			sc := bufio.NewScanner(bytes.NewReader(out))
			sc.Buffer(nil, 1<<20)
			i := 0
			for ; sc.Scan() && i < len(stringifyCases); i++ {
				tt := stringifyCases[i]
				want := tt.want
				if tt.node != "" {
					want = tt.node
				}
				if got := sc.Text(); got != want {
					t.Errorf("%s %s: node wrote %q, want %q", node.Version, tt.name, got, want)
				}
			}
			if i != len(stringifyCases) {
				t.Fatalf("%s: %d answers for %d cases: %s", node.Version, i, len(stringifyCases), strings.TrimSpace(string(out)))
			}
		})
	}
}

func TestCanonicalRejectsInvalid(t *testing.T) {
	for _, s := range []string{``, `{`, `{"a"}`, `[1,]`, `"\x01"`, `"\u12"`, `tru`, `{"a":1}x`} {
		if _, ok := canonical([]byte(s)); ok {
			t.Errorf("canonical(%q) ok", s)
		}
	}
}

func TestNeedsFixFastPath(t *testing.T) {
	for _, s := range []string{`{"a":1,"b":[1,2,"x"]}`, `"a\"b\\c\n\u0001\u001f"`, `[-1,-0.5,-0e1]`, `{"a1":2}`, `["node-0","a:b"]`} {
		if needsFix([]byte(s)) {
			t.Errorf("needsFix(%s) = true", s)
		}
	}
	for _, s := range []string{`{"0":1}`, `[-0]`, `"\u2028"`, `"\ufffd"`, `"\/"`, `"\u001F"`} {
		if !needsFix([]byte(s)) {
			t.Errorf("needsFix(%s) = false", s)
		}
	}
}

type celsius float64

func (c celsius) MarshalJSON() ([]byte, error) { return []byte(`"warm"`), nil }

func TestNonFiniteKeepsMarshalers(t *testing.T) {
	got, err := Marshal(map[string]any{"c": celsius(math.NaN()), "n": math.NaN(), "t": time.Unix(0, 0).UTC()})
	if err != nil || string(got) != `{"c":"warm","n":null,"t":"1970-01-01T00:00:00Z"}` {
		t.Errorf("Marshal = %s, %v", got, err)
	}
}

// FuzzCanonical: on any valid JSON text, canonical succeeds, is
// idempotent, and keeps the value (as encoding/json reads it).
func FuzzCanonical(f *testing.F) {
	for _, tt := range stringifyCases {
		f.Add(tt.want)
	}
	f.Add(`{"b":1,"0":[-0,{"2":"\ud800","1":null}],"b":2}`)
	f.Fuzz(func(t *testing.T, s string) {
		if !json.Valid([]byte(s)) {
			return
		}
		out, ok := canonical([]byte(s))
		if !ok {
			t.Fatalf("canonical(%q) failed", s)
		}
		again, ok := canonical(out)
		if !ok || !bytes.Equal(again, out) {
			t.Fatalf("not idempotent: %q -> %q -> %q", s, out, again)
		}
		var a, b any
		if json.Unmarshal([]byte(s), &a) != nil {
			return // e.g. a number beyond float64
		}
		if json.Unmarshal(out, &b) != nil {
			t.Fatalf("canonical(%q) = %q is not JSON", s, out)
		}
		if !jsonEqual(a, b) {
			t.Fatalf("canonical(%q) = %q changed the value", s, out)
		}
	})
}

// jsonEqual compares decoded values (-0 equals 0, as in JavaScript).
func jsonEqual(a, b any) bool { return reflect.DeepEqual(a, b) }
