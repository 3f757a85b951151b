package nodeipc

import (
	"encoding/hex"
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// TestCapturedFrames runs the codecs over the frames Node 18–26 and Deno 2
// wrote on real channels (testdata/ipc, captured by
// testdata/node/ipc-frames.js): each frame is found whole, a user message
// is a message (also {cmd: 'NODE_'}, which Node's rule does not make
// internal), and a NODE_HANDLE envelope yields its type, key (Node's key or
// Deno's socketListKey) and message.
func TestCapturedFrames(t *testing.T) {
	files, err := filepath.Glob(filepath.Join("..", "testdata", "ipc", "frames-*.json"))
	if err != nil || len(files) == 0 {
		t.Fatalf("no captured frames: %v", err)
	}
	for _, file := range files {
		var capture struct {
			Writer string
			Frames []struct {
				Name, Mode, Hex string
				FDs             int
			}
		}
		data, err := os.ReadFile(file)
		if err == nil {
			err = json.Unmarshal(data, &capture)
		}
		if err != nil {
			t.Fatal(err)
		}
		for _, f := range capture.Frames {
			t.Run(filepath.Base(file)+"/"+f.Mode+"/"+f.Name, func(t *testing.T) {
				b, err := hex.DecodeString(f.Hex)
				if err != nil {
					t.Fatal(err)
				}
				var cd codec = jsonCodec{}
				if f.Mode == "advanced" {
					cd = &advancedCodec{}
				}
				scanned := 0
				start, end, next, err := cd.frame(b, &scanned, DefaultMaxMessageSize)
				if err != nil || next != len(b) {
					t.Fatalf("frame: %d,%d,%d, %v over %d bytes", start, end, next, err, len(b))
				}
				in, err := cd.parse(b[start:end])
				if err != nil {
					t.Fatalf("parse: %v", err)
				}
				if f.FDs == 0 {
					if in.cmd != "" {
						t.Fatalf("a user message parsed as internal %q", in.cmd)
					}
					return
				}
				if in.cmd != "NODE_HANDLE" {
					t.Fatalf("cmd %q, want NODE_HANDLE", in.cmd)
				}
				typ, key, msg, _, err := unwrapHandle(in.obj)
				if err != nil || typ != "net.Socket" || key == "" || msg == nil || !strings.Contains(string(msg.Raw()), "hold") {
					t.Fatalf("envelope: type %q key %q msg %v, %v", typ, key, msg, err)
				}
			})
		}
	}
}
