package tap

import (
	"bytes"
	"encoding/binary"
	"testing"
)

// scanAll feeds stream to a new framer in chunks of the given sizes
// (cycled) and returns the frames (bodies copied), the last-start offsets
// translated to stream offsets, and the frame starts the framer reported.
func scanAll(mode Mode, stream []byte, sizes []int) (bodies [][]byte, whole []bool, sizesOut []int, lastStarts []int) {
	f := framer{mode: mode}
	off := 0
	for i := 0; off < len(stream); i++ {
		n := len(stream) - off
		if len(sizes) > 0 {
			n = min(n, max(1, sizes[i%len(sizes)]))
		}
		chunk := stream[off : off+n]
		at := f.scan(chunk, func(fr frame) {
			bodies = append(bodies, bytes.Clone(fr.body))
			whole = append(whole, fr.whole)
			sizesOut = append(sizesOut, fr.size)
			if fr.start >= 0 && (fr.start > len(chunk) || fr.size > len(chunk)-fr.start) {
				panic("a frame said to start in the chunk does not fit in it")
			}
		})
		if at >= 0 {
			lastStarts = append(lastStarts, off+at)
		}
		off += n
	}
	return
}

func advFrame(payload string) []byte {
	b := binary.BigEndian.AppendUint32(nil, uint32(len(payload)))
	return append(b, payload...)
}

func TestFramer(t *testing.T) {
	stream := []byte("{\"a\":1}\n\"x\"\n\n[1,2]\n")
	for _, sizes := range [][]int{nil, {1}, {2, 3}, {7}, {8, 100}} {
		bodies, _, sz, starts := scanAll(JSON, stream, sizes)
		want := []string{`{"a":1}`, `"x"`, ``, `[1,2]`}
		if len(bodies) != len(want) {
			t.Fatalf("sizes %v: %q", sizes, bodies)
		}
		for i := range want {
			if string(bodies[i]) != want[i] || sz[i] != len(want[i])+1 {
				t.Errorf("sizes %v: frame %d = %q (%d bytes)", sizes, i, bodies[i], sz[i])
			}
		}
		if sizes == nil && (len(starts) != 1 || starts[0] != 13) {
			t.Errorf("one read: last start %v, want [13]", starts)
		}
	}
	adv := append(append(advFrame("\xff\x0f\x49\x02"), advFrame("")...), advFrame("\xff\x0fT")...)
	for _, sizes := range [][]int{nil, {1}, {2}, {3, 5}, {6}} {
		bodies, _, sz, _ := scanAll(Advanced, adv, sizes)
		want := []string{"\xff\x0f\x49\x02", "", "\xff\x0fT"}
		if len(bodies) != len(want) {
			t.Fatalf("sizes %v: %q", sizes, bodies)
		}
		for i := range want {
			if string(bodies[i]) != want[i] || sz[i] != len(want[i])+4 {
				t.Errorf("sizes %v: frame %d = %q (%d bytes)", sizes, i, bodies[i], sz[i])
			}
		}
	}
}

// TestFramerKeepLimit: a frame over keepLimit is reported with its size,
// not kept whole, and the next frame is found.
func TestFramerKeepLimit(t *testing.T) {
	big := bytes.Repeat([]byte("a"), keepLimit+10)
	stream := append(append(append([]byte{}, '"'), big...), "\"\n1\n"...)
	bodies, whole, sz, _ := scanAll(JSON, stream, []int{readSize})
	if len(bodies) != 2 || whole[0] || !whole[1] || sz[0] != len(big)+3 || len(bodies[0]) != keepLimit || string(bodies[1]) != "1" {
		t.Fatalf("frames: %d, whole %v, sizes %v", len(bodies), whole, sz)
	}
	// A length prefix of 4 GiB - 1 allocates nothing up front.
	f := framer{mode: Advanced}
	f.scan([]byte{0xff, 0xff, 0xff, 0xff, 1, 2}, func(frame) { t.Fatal("no frame is complete") })
	if cap(f.buf) > 64 {
		t.Errorf("buffer of %d bytes for 2 payload bytes", cap(f.buf))
	}
}

// FuzzFramer: any stream, cut anywhere, gives the same frames as in one
// read, and describing them never panics.
func FuzzFramer(f *testing.F) {
	f.Add([]byte("{\"cmd\":\"NODE_HANDLE\",\"type\":\"net.Socket\",\"msg\":{\"cmd\":\"NODE_CLUSTER\",\"act\":\"newconn\"}}\n"), byte(3), false)
	f.Add(advFrame("\xff\x0fo\"\x03cmd\"\x0bNODE_HANDLE{\x01"), byte(2), true)
	f.Add([]byte{0, 0, 0, 2, 0xff}, byte(1), true)
	f.Fuzz(func(t *testing.T, stream []byte, cut byte, adv bool) {
		mode := JSON
		if adv {
			mode = Advanced
		}
		one, _, _, _ := scanAll(mode, stream, nil)
		split, whole, sz, _ := scanAll(mode, stream, []int{int(cut), int(cut) + 1})
		if len(one) != len(split) {
			t.Fatalf("%d frames in one read, %d cut up", len(one), len(split))
		}
		total := 0
		for i := range one {
			if !bytes.Equal(one[i], split[i]) {
				t.Fatalf("frame %d: %q vs %q", i, one[i], split[i])
			}
			total += sz[i]
			var e Entry
			describe(&e, mode, frame{body: split[i], size: sz[i], whole: whole[i]}, 40)
		}
		if total > len(stream) {
			t.Fatalf("frames of %d bytes in %d", total, len(stream))
		}
	})
}
