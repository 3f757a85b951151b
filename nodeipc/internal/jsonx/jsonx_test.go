package jsonx

import (
	"math"
	"os"
	"testing"
)

func TestMarshalMatchesStringify(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name string
		in   any
		want string
	}{
		{"html", "<a>&", `"<a>&"`},
		{"line separators", "a\u2028b\u2029c", "\"a\u2028b\u2029c\""},
		{"escaped backslash before u2028 text", `\u2028`, `"\\u2028"`},
		{"control", "\x01\x1f\x7f", `"\u0001\u001f` + "\x7f\""},
		{"big float", 1e21, `1e+21`},
		{"small float", 1e-7, `1e-7`},
		{"negative zero", math.Copysign(0, -1), `0`},
	}
	for _, tt := range tests {
		got, err := Marshal(tt.in)
		if err != nil {
			t.Fatalf("%s: %v", tt.name, err)
		}
		if string(got) != tt.want {
			t.Errorf("%s: got %q, want %q", tt.name, got, tt.want)
		}
	}
}

func TestAppendLineMatchesMarshal(t *testing.T) {
	for _, v := range []any{
		nil, 1.5, "a\u2028b<>&\u2029", map[string]any{"k": []any{1, "x", true}},
		struct {
			A string `json:"a"`
		}{"\u2029"},
	} {
		want, err := Marshal(v)
		if err != nil {
			t.Fatal(err)
		}
		got, err := AppendLine([]byte("prefix"), v)
		if err != nil {
			t.Fatal(err)
		}
		if string(got) != "prefix"+string(want)+"\n" {
			t.Errorf("AppendLine(%#v) = %q, want %q", v, got, "prefix"+string(want)+"\n")
		}
	}
}

// TestEncodeLeavesStdoutAlone: the encoder must not read os.Stdout, which a
// program may reassign while another goroutine encodes (the testing package
// does around every Example). Under -race this fails if it does.
func TestEncodeLeavesStdoutAlone(t *testing.T) {
	stdout := os.Stdout
	defer func() { os.Stdout = stdout }()
	done := make(chan error, 1)
	go func() {
		var dst []byte
		for i := range 200 {
			var err error
			if dst, err = AppendLine(dst[:0], map[string]any{"i": i, "s": "<&>"}); err != nil {
				done <- err
				return
			}
			if _, err = Marshal([]any{i, "<&>"}); err != nil {
				done <- err
				return
			}
		}
		done <- nil
	}()
	for {
		select {
		case err := <-done:
			if err != nil {
				t.Fatal(err)
			}
			return
		default:
			os.Stdout = stdout
		}
	}
}
