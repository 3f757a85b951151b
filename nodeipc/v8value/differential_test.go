package v8value

import (
	"encoding/hex"
	"encoding/json"
	"math/rand"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"sort"
	"strings"
	"testing"

	"github.com/nodeipc/nodeipc-go/internal/nodetest"
)

// regexpPayload is a payload holding the RegExp /source/flags.
func regexpPayload(source string, flags uint32) []byte {
	b := []byte{0xFF, 0x0F, 'R', 'S'}
	b = appendVarint(b, uint64(len(source)))
	b = append(b, source...)
	return appendVarint(b, uint64(flags))
}

// regexpSources covers V8's pattern grammar: valid and invalid in every
// mode, valid only without u/v (Annex B), and features newer Node
// versions added.
var regexpSources = []string{
	"", "a", "a|b", "(a)", "(?:a)", "(?<n>a)\\k<n>", "[a-z]", "a{1,2}", "a{1,}", "a{1}", "\\d+\\D\\w\\W\\s\\S\\b\\B",
	"^a$", "(?=a)", "(?!a)", "(?<=a)b", "(?<!a)b", "a*?b+?c??d{1,2}?", ".", "\\.", "\\/", "/", "\\n\\r\\t\\v\\f\\0",
	"\\x41", "\\u0041", "\\u{1F600}", "\\p{L}", "\\P{Lu}", "\\p{Script=Greek}", "[\\]]", "[\\b]", "[^a]", "[-a]", "[a-]",
	"{", "a{", "a{1", "a{1,", "}", "]", "\\1", "(a)\\1", "\\8", "(?<a>x)|(?<a>y)", "(?<a>x)(?<a>y)", "(?i:a)", "(?-i:a)",
	"(?i-i:a)", "[[a]&&[b]]", "[a--b]", "[\\q{abc}]", "\\c", "\\cA", "\\ca", "\\c1", "[\\c1]", "\\k<x>", "\\k", "(?<x>a)\\k",
	"a**", "*", "+a", "?", "a{2,1}", "(", ")", "a)", "(a", "[", "[a", "[b-a]", "[\\d-a]", "\\", "a\\", "(?<1a>x)",
	"(?<a>x", "(?<>x)", "(?", "(?x)", "(?<", "\\p{Foo}", "\\p{L", "\\p", "\\u{110000}", "\\u{", "\\u12", "\\x4", "\\q",
	"\\-", "[\\-]", "x{99999999999}", "x{2147483648}", "(?=a)*", "(?<=a)*", "^*", "$*", "\\b*", "a|*", "(|)", "[]", "[^]",
	"\\ud83d\\ude00", "(?<\\u0061>x)", "(?<a\\u{62}>x)", "(?<$>x)", "(?<π>x)", "(?:)", "(?=)", "a{,5}",
	"[\\w-a]", "[a-\\w]", "\\00", "\\01", "[\\00]", "(?<=a", "(?<a>.)(?<b>.)\\k<b>", "\\k<a>(?<a>x)", "((((((((((a))))))))))",
}

// nodeRejectionCases are the payloads every supported Node release
// refuses and SendRaw used to let through, with neighbours Node accepts.
func nodeRejectionCases() map[string][]byte {
	c := map[string][]byte{}
	add := func(name, h string) {
		b, err := hex.DecodeString(strings.ReplaceAll(h, " ", ""))
		if err != nil {
			panic(name)
		}
		c[name] = b
	}
	for v := 12; v <= 17; v++ {
		add("version "+string(rune('0'+v/10))+string(rune('0'+v%10)), hex.EncodeToString([]byte{0xFF, byte(v)})+"6f22016149027b01")
	}
	add("duplicate key", "ff0f6f220161490222016149047b02")
	add("duplicate number and string key", "ff0f6f4902490222013149047b02")
	add("duplicate number and double key", "ff0f6f49024902 4e000000000000f03f 49047b02")
	add("duplicate two-byte and one-byte key", "ff0f6f63026100490222016149047b02")
	add("duplicate in sparse array", "ff0f61024900490249004904400202")
	add("duplicate extra prop of dense array", "ff0f4101490222016149022201614904240201")
	add("dense array prop naming an element", "ff0f410149022201304904240101")
	add("distinct keys", "ff0f6f220161490222016249047b02")
	add("immutable ArrayBuffer", "ff0f4303070809")
	add("immutable ArrayBuffer shared", "ff0f6f22016143030102032201625e017b02")
	add("resizable ArrayBuffer", "ff0f7e010409")
	add("resizable ArrayBuffer maximum over 32 bits", "ff0f7e01808080802009")
	for _, p := range []string{"4902", "220161", "30", "5f", "54", "5a00", "4e0000000000000000"} {
		add("host object around primitive "+p, "ff0f5c01"+p)
	}
	for _, o := range []string{"6f7b00", "41002400 00", "610040 0000", "5400", "7900", "4400000000000000 00", "3b3a00", "272c00"} {
		add("host object around "+o, "ff0f5c01"+o)
	}
	for bit := 0; bit < 10; bit++ {
		c["regexp flag bit "+string(rune('0'+bit))] = regexpPayload("a", 1<<bit)
	}
	c["regexp flags u and v"] = regexpPayload("a", FlagUnicode|FlagUnicodeSets)
	for i, src := range regexpSources {
		for _, fl := range []uint32{0, FlagUnicode, FlagUnicodeSets, FlagIgnoreCase | FlagGlobal} {
			c["regexp source "+string(rune('A'+i%26))+string(rune('a'+i/26))+" "+hex.EncodeToString([]byte{byte(fl >> 4)})+" "+src] = regexpPayload(src, fl)
		}
	}
	return c
}

// mutate returns n deterministic mutations of p: bytes flipped, inserted,
// deleted or the payload cut short.
func mutate(p []byte, n int, rng *rand.Rand) [][]byte {
	out := make([][]byte, 0, n)
	for len(out) < n {
		q := append([]byte(nil), p...)
		switch rng.Intn(4) {
		case 0:
			if len(q) > 2 {
				q[2+rng.Intn(len(q)-2)] = byte(rng.Intn(256))
			}
		case 1:
			i := 2 + rng.Intn(len(q)-1)
			q = append(q[:i], append([]byte{"oA$a@{}\"cSI_0TF^rR\\;:',-"[rng.Intn(24)]}, q[i:]...)...)
		case 2:
			if len(q) > 3 {
				i := 2 + rng.Intn(len(q)-2)
				q = append(q[:i], q[i+1:]...)
			}
		case 3:
			q = q[:2+rng.Intn(len(q)-1)]
		}
		out = append(out, q)
	}
	return out
}

// TestNodeVerdicts is a differential test of the V8 reader against each
// pinned Node release's: the same payloads, the verdict of Node's IPC
// reader in advanced mode against Validate's. Two directions:
//
//   - nothing Validate accepts is refused by Node (a payload SendRaw lets
//     through would crash a Node child with "Unable to deserialize cloned
//     data"), except where an older Node lacks a RegExp feature a newer
//     one has (listed in newerRegExp);
//   - nothing Node accepts is refused by Validate, except what no Node
//     writes and the decoder refuses on purpose (see stricterHere).
//
// Where Node releases disagree among themselves, Validate accepts what
// some supported release reads and writes (see versionSpecific).
//
// The corpus is the golden payloads of every release, the cases of
// nodeRejectionCases, and seeded mutations of both.
func TestNodeVerdicts(t *testing.T) {
	root := nodetest.Root(t)
	golden := loadGolden(t)
	corpus := map[string][]byte{}
	names := make([]string, 0, len(golden))
	for name := range golden {
		names = append(names, name)
	}
	sort.Strings(names)
	for _, file := range names {
		for _, c := range golden[file].Cases {
			corpus[file+" "+c.Name] = mustHex(t, c.Hex)
		}
	}
	for name, p := range nodeRejectionCases() {
		corpus[name] = p
	}
	base := make([]string, 0, len(corpus))
	for name := range corpus {
		base = append(base, name)
	}
	sort.Strings(base)
	rng := rand.New(rand.NewSource(12))
	for _, name := range base {
		for i, q := range mutate(corpus[name], 6, rng) {
			corpus[name+" mutation "+string(rune('a'+i))] = q
		}
	}
	keys := make([]string, 0, len(corpus))
	hexes := make([]string, 0, len(corpus))
	for name := range corpus {
		keys = append(keys, name)
	}
	sort.Strings(keys)
	for _, k := range keys {
		hexes = append(hexes, hex.EncodeToString(corpus[k]))
	}
	file := filepath.Join(t.TempDir(), "payloads.json")
	data, _ := json.Marshal(hexes)
	if err := os.WriteFile(file, data, 0o644); err != nil {
		t.Fatal(err)
	}
	for _, node := range nodetest.Binaries(t) {
		t.Run(node.Name, func(t *testing.T) {
			out, err := exec.Command(node.Path, "--expose-internals", filepath.Join(root, "testdata", "node", "v8-verdict.js"), file).Output()
			if err != nil {
				t.Fatalf("node: %v", err)
			}
			var res struct {
				Node     string    `json:"node"`
				Verdicts []*string `json:"verdicts"`
			}
			if err := json.Unmarshal(out, &res); err != nil || len(res.Verdicts) != len(keys) {
				t.Fatalf("bad output (%v): %.200q", err, out)
			}
			agree, falseAccept, tolerated := 0, 0, 0
			for i, k := range keys {
				p := corpus[k]
				ours := Validate(p)
				nodeOK := res.Verdicts[i] == nil
				switch {
				case (ours == nil) == nodeOK:
					agree++
				case ours == nil:
					if newerRegExp(node.Major(), p) || versionSpecific(node.Major(), p) {
						tolerated++
						continue
					}
					falseAccept++
					t.Errorf("%s: accepted here, Node says %q (payload %x)", k, *res.Verdicts[i], p)
				default:
					if stricterHere(ours) {
						tolerated++
						continue
					}
					t.Errorf("%s: Node accepts, Validate says %v (payload %x)", k, ours, p)
				}
			}
			t.Logf("%s: %d payloads, %d same verdict, %d tolerated differences", res.Node, len(keys), agree, tolerated)
		})
	}
}

// newerRegExp reports whether p holds a RegExp that Node releases before
// major reject only for lacking a feature: the v flag (Node 20), modifier
// groups such as (?i:…) and one group name in several alternatives (Node
// 24).
func newerRegExp(major int, p []byte) bool {
	v, err := Decode(p)
	if err != nil {
		return false
	}
	re, ok := v.(*RegExp)
	if !ok {
		return false
	}
	if major < 20 && re.Flags&FlagUnicodeSets != 0 {
		return true
	}
	if major >= 24 {
		return false
	}
	if modifierGroup.MatchString(re.Source) {
		return true
	}
	seen := map[string]bool{}
	for _, m := range groupName.FindAllStringSubmatch(re.Source, -1) {
		if seen[m[1]] {
			return true
		}
		seen[m[1]] = true
	}
	return false
}

var (
	modifierGroup = regexp.MustCompile(`\(\?[ims]*-?[ims]*:`)
	groupName     = regexp.MustCompile(`\(\?<([^=!>][^>]*)>`)
)

// versionSpecific reports whether Node release major refuses p for a
// difference between releases: Float16Array views (Node 24+), resizable
// ArrayBuffers (tag ~, read by Node 20+), immutable ArrayBuffers (tag C,
// read by Node 26+), and the
// order of an Error's fields, which Node 22+ fix (message, stack, cause)
// while Node 18 and 20 read any order and write the cause first.
func versionSpecific(major int, p []byte) bool {
	if len(p) >= 2 && p[0] == 0xFF && p[1] == 16 {
		// Format 16: V8 14.9 and later (Deno 2.9, Node 27) write and read
		// it; no pinned Node release reads it, and the channel does not
		// send it to them (the advanced codec's appendRaw).
		return true
	}
	v, err := Decode(p)
	if err != nil {
		return false
	}
	found := false
	var walk func(v any, depth int)
	walk = func(v any, depth int) {
		if found || depth > 50 {
			return
		}
		switch x := v.(type) {
		case *TypedArray:
			found = major < 24 && x.Type == Float16Array
		case *ArrayBuffer:
			found = major < 26 && x.Immutable || major < 20 && x.Resizable
		case *Error:
			found = major >= 22
		case *Object:
			for _, p := range x.Props {
				walk(p.Value, depth+1)
			}
		case *Array:
			for _, e := range x.Elements {
				walk(e, depth+1)
			}
			for _, p := range x.Props {
				walk(p.Value, depth+1)
			}
		case *HostObject:
			walk(x.Value, depth+1)
		case *Map:
			for _, e := range x.Entries {
				walk(e.Key, depth+1)
				walk(e.Value, depth+1)
			}
		case *Set:
			for _, e := range x.Values {
				walk(e, depth+1)
			}
		}
	}
	walk(v, 0)
	return found
}

// stricterHere reports the refusals of inputs Node reads but never
// writes: bytes after the value (Node ignores them), the ArrayBufferView
// tag V (Node sends views as host objects), a negative-zero BigInt (V8
// reads 0n), an int32 varint longer than 32 bits (V8 drops the extra
// bits), and a RegExp with both u and v (only Node 20 reads it).
func stricterHere(err error) bool {
	for _, s := range []string{"trailing data", "tag V", "BigInt negative zero", "int32 out of range", "u and v together"} {
		if strings.Contains(err.Error(), s) {
			return true
		}
	}
	return false
}
