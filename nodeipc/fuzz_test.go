//go:build darwin || freebsd || linux || netbsd || openbsd

package nodeipc

import (
	"bytes"
	"context"
	"encoding/binary"
	"encoding/json"
	"errors"
	"fmt"
	"net"
	"testing"
	"time"
	"unicode/utf8"
	"unsafe"

	"github.com/nodeipc/nodeipc-go/internal/testsock"
	"github.com/nodeipc/nodeipc-go/nodeipc/internal/jsonx"
	"golang.org/x/sys/unix"
)

// The fuzz targets treat the channel as the trust boundary it is: the bytes
// (and control data) come from a peer that may be buggy, crash at any byte,
// or be hostile. Run them with scripts/fuzz.sh; the seeds are in
// testdata/fuzz/<FuzzName>/ and in the f.Add calls.
//
// FuzzAdvancedFrameParse (fuzz_advanced_test.go) runs the same property
// over the advanced codec.

// chunks splits data into pieces whose sizes come from cuts (each byte b
// means b+1 bytes, cycling), so that every way a read can split the stream
// is reachable.
func chunks(data, cuts []byte) [][]byte {
	if len(cuts) == 0 {
		return [][]byte{data}
	}
	var out [][]byte
	for i := 0; len(data) > 0; i++ {
		n := int(cuts[i%len(cuts)]) + 1
		if n > len(data) {
			n = len(data)
		}
		out = append(out, data[:n])
		data = data[n:]
	}
	return out
}

// fuzzMax turns a fuzzed selector into a MaxMessageSize: 0 means a limit
// the input never reaches.
func fuzzMax(sel uint16) int {
	if sel == 0 {
		return 1 << 20
	}
	return int(sel)
}

// feedFrames runs cd's framing over the chunks the way the read loop does
// (pending bytes kept, scan position carried across reads) and calls fn for
// each complete payload. It returns the framing error, if any.
func feedFrames(cd codec, in [][]byte, max int, fn func(payload []byte)) error {
	var buf []byte
	scanned := 0
	for _, c := range in {
		buf = append(buf, c...)
		for {
			s, e, next, err := cd.frame(buf, &scanned, max)
			if err != nil {
				return err
			}
			if next == 0 {
				break
			}
			if s < 0 || s > e || e > next || next > len(buf) {
				panic(fmt.Sprintf("frame returned bounds %d,%d,%d over %d bytes", s, e, next, len(buf)))
			}
			fn(append([]byte(nil), buf[s:e]...))
			buf = buf[next:]
		}
	}
	return nil
}

// expectedLines is the reference JSON framing: the complete lines of data
// in order, and whether the limit max ends the stream (a line, or the
// unterminated rest, longer than max) after them.
func expectedLines(data []byte, max int) (lines [][]byte, tooLarge bool) {
	for {
		i := bytes.IndexByte(data, '\n')
		if i < 0 {
			return lines, len(data) > max
		}
		if i > max {
			return lines, true
		}
		lines = append(lines, data[:i])
		data = data[i+1:]
	}
}

func addFrameSeeds(f *testing.F) {
	for _, s := range []string{
		"{\"a\":1}\n\"s\"\n42\nnull\n[true,false]\n",
		"\n",
		"not json\n{\"ok\":1}\n",
		"{\"s\":\"\xff\xfe\xc3\"}\n",
		"{\"cmd\":\"NODE_HANDLE\",\"type\":\"net.Socket\",\"msg\":{\"x\":1}}\n",
		"{\"cmd\":\"NODE_HANDLE_ACK\"}\n{\"cmd\":\"NODE_HANDLE_NACK\"}\n",
		"{\"cmd\":\"NODE_\"}\n{\"cmd\":\"NODE_X\"}\n",
		"{\"a\":1}\r\n {\"b\":2} \n",
		"{\"truncated\":",
		"{\"cmd\":\"NODE_SOCKET_GET_COUNT\",\"key\":\"4:127.0.0.1:1\"}\n",
		"{\"cmd\":\"NODE_HANDLE\",\"type\":\"net.Native\",\"msg\":{\"cmd\":\"NODE_HANDLE\",\"type\":\"net.Socket\",\"msg\":{},\"key\":\"k\"}}\n",
		"{\"\\u004eODE_HANDLE\":1,\"cmd\":\"\\u004eODE_HANDLE_ACK\"}\n",
		strings50("[") + strings50("]") + "\n",
	} {
		f.Add([]byte(s), []byte{0}, uint16(0))
		f.Add([]byte(s), []byte{2, 7, 1}, uint16(8))
	}
}

func strings50(s string) string { return string(bytes.Repeat([]byte(s), 50)) }

// FuzzJSONFrameParse: the JSON line framing and the classifier over
// arbitrary chunking. Every complete line is either a message whose Raw is
// the line (ill-formed UTF-8 replaced as Node does), an internal message,
// or a *ProtocolError wrapping ErrMalformedMessage, in order; a line over
// the limit is ErrMessageTooLarge after every earlier line; nothing panics.
// The classifier must agree with a strict JSON validator without a nesting
// limit, as Node's JSON.parse is, and that validator with encoding/json
// where nesting stays under encoding/json's limit of 10,000.
func FuzzJSONFrameParse(f *testing.F) {
	addFrameSeeds(f)
	f.Fuzz(func(t *testing.T, data, cuts []byte, maxSel uint16) {
		max := fuzzMax(maxSel)
		var got [][]byte
		cd := jsonCodec{}
		err := feedFrames(cd, chunks(data, cuts), max, func(p []byte) {
			got = append(got, p)
			in, perr := cd.parse(p)
			p = jsonx.NodeUTF8(p)
			if !utf8.Valid(p) {
				t.Fatalf("jsonx.NodeUTF8 left ill-formed UTF-8: %q", p)
			}
			valid := jsonx.ValidText(p)
			if shallow(p) && valid != json.Valid(p) {
				t.Fatalf("jsonx.ValidText(%q) = %v, encoding/json says %v", p, valid, !valid)
			}
			if perr != nil {
				var pe *ProtocolError
				if !errors.As(perr, &pe) || !errors.Is(perr, ErrMalformedMessage) {
					t.Fatalf("parse(%q) error %v is not a *ProtocolError wrapping ErrMalformedMessage", p, perr)
				}
				if valid {
					t.Fatalf("parse(%q) rejected valid JSON: %v", p, perr)
				}
				return
			}
			if !valid {
				t.Fatalf("parse(%q) accepted invalid JSON", p)
			}
			if in.msg == nil || !bytes.Equal(in.msg.Raw(), p) {
				t.Fatalf("parse(%q): message %v, want Raw equal to the line", p, in.msg)
			}
			if in.cmd != "" && !isInternalCmd(in.cmd) {
				t.Fatalf("parse(%q): cmd %q is not internal", p, in.cmd)
			}
			// Decode follows encoding/json: it may refuse what JSON.parse
			// accepts (1e1000 is Infinity in Node, out of range for
			// float64 here), but it must not panic.
			var v any
			_ = in.msg.Decode(&v)
		})
		want, tooLarge := expectedLines(data, max)
		if tooLarge != errors.Is(err, ErrMessageTooLarge) || (err != nil && !tooLarge) {
			t.Fatalf("framing error %v, want too large = %v", err, tooLarge)
		}
		if len(got) != len(want) {
			t.Fatalf("%d lines framed, want %d", len(got), len(want))
		}
		for i := range want {
			if !bytes.Equal(got[i], want[i]) {
				t.Fatalf("line %d: %q, want %q", i, got[i], want[i])
			}
		}
	})
}

// fuzzSocketpair returns both ends of an AF_UNIX stream socketpair.
func fuzzSocketpair(t testing.TB) (*net.UnixConn, *net.UnixConn) {
	t.Helper()
	a, b, err := testsock.Pair()
	if err != nil {
		t.Fatal(err)
	}
	return a, b
}

func countFDs() int { return testsock.CountFDs() }

// FuzzChannelRead: a raw peer writes fuzzed bytes to a real Channel in
// fuzzed chunks, some carrying a descriptor (a pipe end, or a connected
// Unix stream socket), then shuts down its write side. The Channel must not
// panic; it delivers every complete user-message line, in order, and
// nothing else without a handle; it ends with ErrDisconnected (or
// ErrMessageTooLarge when a line is over the limit); Close returns, which
// means its goroutines have ended; no descriptor is left open.
func FuzzChannelRead(f *testing.F) {
	addFrameSeeds(f)
	f.Add([]byte("{\"cmd\":\"NODE_HANDLE\",\"type\":\"net.Socket\",\"msg\":{\"x\":1}}\n{\"y\":2}\n"), []byte{200}, uint16(0xff00))
	f.Add([]byte("{\"z\":0}\n{\"cmd\":\"NODE_HANDLE\",\"type\":\"net.Server\",\"msg\":1}\n{\"cmd\":\"NODE_HANDLE\",\"type\":\"bogus\",\"msg\":2}\n"), []byte{6, 200}, uint16(0x0300))
	f.Fuzz(func(t *testing.T, data, cuts []byte, sel uint16) {
		// The low byte of sel selects the limit, the high byte which
		// chunks carry a descriptor (bit i: chunk i; odd chunks get a
		// socket, even ones a pipe).
		max := fuzzMax(sel & 0xff)
		fdMask := byte(sel >> 8)
		fdsBefore := countFDs()

		a, peer := fuzzSocketpair(t)
		ch, err := New(a, &Options{MaxMessageSize: max, CloseTimeout: time.Second})
		if err != nil {
			t.Fatal(err)
		}
		pieces := chunks(data, cuts)
		wrote := make(chan struct{})
		go func() {
			defer close(wrote)
			for i, p := range pieces {
				var oob []byte
				var extra []int
				if i < 8 && fdMask&(1<<i) != 0 {
					var pfd [2]int
					if i%2 == 1 {
						pfd, _ = SocketpairForTest(unix.SOCK_STREAM)
					} else {
						pfd, _ = PipeForTest()
					}
					extra = pfd[:]
					oob = unix.UnixRights(pfd[0])
				}
				n, _, werr := peer.WriteMsgUnix(p, oob, nil)
				if werr == nil && n < len(p) {
					_, werr = peer.Write(p[n:])
				}
				for _, fd := range extra {
					unix.Close(fd)
				}
				if werr != nil {
					return
				}
			}
			peer.CloseWrite()
		}()

		ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		defer cancel()
		var users [][]byte
		var end error
		for {
			m, err := ch.Recv(ctx)
			if m != nil {
				if m.HandleType() == "" {
					users = append(users, m.Raw())
				}
				closeHandle(m.Handle())
				continue
			}
			var he *HandleError
			var pe *ProtocolError
			switch {
			case errors.As(err, &he):
				if he.Message == nil {
					t.Fatalf("HandleError without its message: %v", err)
				}
				continue
			case errors.As(err, &pe) && !errors.Is(err, ErrMessageTooLarge):
				continue
			}
			end = err
			break
		}
		<-wrote
		closed := make(chan error, 1)
		go func() { closed <- ch.Close() }()
		select {
		case <-closed:
		case <-time.After(10 * time.Second):
			t.Fatal("Close did not return")
		}
		peer.Close()

		lines, tooLarge := expectedLines(data, max)
		if tooLarge && !errors.Is(end, ErrMessageTooLarge) || !tooLarge && !errors.Is(end, ErrDisconnected) {
			t.Fatalf("terminal error %v, want too large = %v", end, tooLarge)
		}
		cd := jsonCodec{}
		var want [][]byte
		for _, l := range lines {
			if in, err := cd.parse(l); err == nil && in.cmd == "" {
				want = append(want, l)
			}
		}
		if len(users) != len(want) {
			t.Fatalf("%d user messages delivered, want %d", len(users), len(want))
		}
		for i := range want {
			if !bytes.Equal(users[i], jsonx.NodeUTF8(want[i])) {
				t.Fatalf("message %d: %q, want %q", i, users[i], want[i])
			}
		}
		if n := countFDs(); n > fdsBefore {
			t.Fatalf("%d descriptors open after Close, %d before", n, fdsBefore)
		}
	})
}

// walkRights is the reference reading of control data (Linux CMSG_FIRSTHDR
// / CMSG_NXTHDR): it calls fn with the offset of every 4-byte descriptor
// slot of every SCM_RIGHTS message, up to the first malformed header.
func walkRights(oob []byte, fn func(off int)) {
	hdr := unix.CmsgLen(0)
	for off := 0; off+unix.SizeofCmsghdr <= len(oob); {
		n, level, typ := cmsgHeader(oob[off:])
		if n < uint64(hdr) || n > uint64(len(oob)-off) {
			return
		}
		if level == unix.SOL_SOCKET && typ == unix.SCM_RIGHTS {
			for s := off + hdr; s+4 <= off+int(n); s += 4 {
				fn(s)
			}
		}
		off += unix.CmsgSpace(int(n) - hdr)
	}
}

// FuzzParseRights: parseRights over fuzzed control data. The descriptor
// slots are filled with real descriptors of this process (negative values
// are kept, to exercise their rejection): parseRights must not panic, must
// return exactly the descriptors in the slots, each once, and nothing else;
// once the returned files are closed no descriptor of the run is open.
func FuzzParseRights(f *testing.F) {
	f.Add(unix.UnixRights(1))
	f.Add(unix.UnixRights(1, 2, 3))
	f.Add(append(unix.UnixRights(1), unix.UnixRights(2, 3)...))
	f.Add(append(unix.UnixRights(1), 0xff, 0, 0, 0, 0, 0, 0, 0, 1, 0, 0, 0, 1, 0, 0, 0))
	cred := cmsgForTest(unix.SOL_SOCKET, unix.SCM_RIGHTS+100, make([]byte, 12)) // not SCM_RIGHTS
	f.Add(append(cred, unix.UnixRights(4)...))
	odd := unix.UnixRights(1, 2)
	odd[0] -= 3 // a length that is not a multiple of 4 past the header
	f.Add(odd)
	f.Add([]byte{})
	f.Add(make([]byte, unix.SizeofCmsghdr))
	f.Fuzz(func(t *testing.T, oob []byte) {
		oob = append([]byte(nil), oob...)
		var slots []int
		walkRights(oob, func(off int) { slots = append(slots, off) })
		if len(slots) > 300 {
			t.Skip("too many descriptor slots")
		}
		placed := map[int]bool{}
		for _, off := range slots {
			if int32(binary.NativeEndian.Uint32(oob[off:])) < 0 {
				continue
			}
			fd, err := unix.Open("/dev/null", unix.O_RDONLY|unix.O_CLOEXEC, 0)
			if err != nil {
				t.Fatal(err)
			}
			placed[fd] = true
			putFD(oob[off:], fd)
		}
		files, _ := parseRights(nil, oob)
		seen := map[int]bool{}
		var foreign []int
		for _, f := range files {
			if f.f == nil {
				t.Fatal("nil *os.File returned")
			}
			fd := int(f.f.Fd())
			if !placed[fd] || seen[fd] {
				foreign = append(foreign, fd)
				continue // not ours (or twice): leave it alone
			}
			seen[fd] = true
			f.close()
		}
		var missed []int
		for fd := range placed {
			if !seen[fd] {
				missed = append(missed, fd)
				unix.Close(fd)
			}
		}
		if len(foreign) > 0 || len(missed) > 0 {
			t.Fatalf("parseRights returned %d foreign or repeated descriptors %v and missed %v", len(foreign), foreign, missed)
		}
	})
}

func putFD(b []byte, fd int) { binary.NativeEndian.PutUint32(b, uint32(int32(fd))) }

// shallow reports whether p cannot nest deeper than encoding/json's limit
// of 10,000.
func shallow(p []byte) bool {
	return bytes.Count(p, []byte("["))+bytes.Count(p, []byte("{")) < 10000
}

// TestReadBufferSizes drives the read loop's buffer management (compaction,
// growth, handing a large buffer over, shrinking back), which the fuzz
// targets' small inputs rarely reach: lines from 1 byte to 3 MiB around the
// 64 KiB read size and the 1 MiB keep limit, written in uneven pieces.
func TestReadBufferSizes(t *testing.T) {
	t.Parallel()
	sizes := []int{1, 100, readSize - 2, readSize - 1, readSize, readSize + 1, 3 * readSize / 4, 5, keepBufSize - 1, keepBufSize, keepBufSize + 1, 3 << 20, 7, readSize * 2, 2}
	var stream []byte
	var want []string
	for i, n := range sizes {
		line := fmt.Sprintf(`"%d%s"`, i, bytes.Repeat([]byte{'a' + byte(i)}, n))
		want = append(want, line)
		stream = append(stream, line...)
		stream = append(stream, '\n')
	}
	a, peer := fuzzSocketpair(t)
	ch, err := New(a, nil)
	if err != nil {
		t.Fatal(err)
	}
	defer ch.Close()
	defer peer.Close()
	go func() {
		pieces := []int{4096, 17, 65536, 300, 100003, 1, 30000}
		for i, rest := 0, stream; len(rest) > 0; i++ {
			n := min(pieces[i%len(pieces)], len(rest))
			if i%3 == 0 {
				time.Sleep(time.Millisecond) // let the reader catch up mid-line
			}
			if _, err := peer.Write(rest[:n]); err != nil {
				return
			}
			rest = rest[n:]
		}
	}()
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	for i, w := range want {
		m, err := ch.Recv(ctx)
		if err != nil {
			t.Fatalf("line %d: %v", i, err)
		}
		if string(m.Raw()) != w {
			t.Fatalf("line %d: %d bytes %.20q, want %d bytes %.20q", i, len(m.Raw()), m.Raw(), len(w), w)
		}
	}
}

// cmsgForTest returns one control message of the given level and type.
func cmsgForTest(level, typ int32, payload []byte) []byte {
	b := make([]byte, unix.CmsgSpace(len(payload)))
	h := (*unix.Cmsghdr)(unsafe.Pointer(&b[0]))
	h.Level, h.Type = level, typ
	h.SetLen(unix.CmsgLen(len(payload)))
	copy(b[unix.CmsgLen(0):], payload)
	return b
}
