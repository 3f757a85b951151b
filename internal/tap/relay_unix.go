//go:build darwin || freebsd || linux || netbsd || openbsd

package tap

import (
	"errors"
	"time"

	"golang.org/x/sys/unix"
)

// maxFDsPerRead is how many descriptors one read takes; Node sends one per
// frame and waits for its answer, so more than one per read is already
// unusual.
const maxFDsPerRead = 64

// relay copies one direction of the channel, src to dst, at the transport
// level: the bytes unchanged and in order, and each descriptor attached to
// the same bytes it came with. It does not take part in the protocol (the
// two ends answer each other's handles).
//
// Where a descriptor goes: on a stream socket, the kernel hands over the
// descriptors of one sendmsg with the read that contains that sendmsg's
// first byte, and ends the read with that sendmsg's data (Linux), so they
// belong to the last frame that starts in that read. The relay writes the
// bytes before that frame plainly and sends the descriptors with the
// frame's first byte, as the original sender did. Node and nodeipc keep
// received descriptors in a FIFO and give the oldest to the next
// NODE_HANDLE, so a receiver pairs them exactly as it would have without
// the tap.
//
// How it writes: JSON, each read in one write. Advanced, one write per
// frame (as Node writes them), and never a length prefix cut short: the
// 1 to 3 bytes of a prefix whose rest has not arrived wait for it. A
// Node 18 receiver (and 20 and 22 before nodejs/node#56106) hangs for good
// when one of its reads ends inside a prefix (docs/PROTOCOL.md §3.3);
// writing frame by frame keeps its reads where they would be without the
// tap.
//
// Both sockets are blocking; the relay runs on its own goroutine (and
// thread while it waits). It closes every descriptor it received once it
// has sent it on.
type relay struct {
	src, dst int
	dir      Dir
	mode     Mode
	pid      int
	max      int
	log      *Logger
	now      func() time.Time

	fr      framer
	seq     int
	pending []string // handles of the frame in progress (it began in an earlier read)
	broken  bool     // writing to dst failed: read on, drop
	held    []byte   // advanced: the start of a length prefix, not yet written
	heldFDs []int    // descriptors that go with held's first byte
	frames  []Entry  // scratch: the entries of one read
	starts  []int    // scratch: where each of them starts in the read
	ends    []int    // scratch: where each of them ends in the read
	scratch []byte   // scratch: held bytes and the rest of their frame
}

// run relays until src reaches EOF or fails; then it half-closes dst
// (shutdown SHUT_WR), so dst's reader sees EOF after the last byte.
func (r *relay) run() {
	r.fr.mode = r.mode
	buf := make([]byte, readSize)
	oob := make([]byte, unix.CmsgSpace(4*maxFDsPerRead))
	for {
		n, oobn, flags, _, err := unix.Recvmsg(r.src, buf, oob, recvFlags)
		if err == unix.EINTR {
			continue
		}
		var fds []int
		if oobn > 0 {
			fds = rights(oob[:oobn])
		}
		if err != nil || n == 0 {
			closeAll(fds)
			if len(r.held) > 0 && !r.broken {
				// The stream ended inside a prefix: pass that on too.
				r.writeSeg(r.held, r.heldFDs, 0)
			}
			closeAll(r.heldFDs)
			e := Entry{Time: r.now(), Event: EventEOF, Pid: r.pid, Dir: r.dir}
			if err != nil && !errors.Is(err, unix.ECONNRESET) {
				e.Event, e.Err = EventError, "read: "+err.Error()
			}
			r.log.Log(&e)
			r.log.Flush()
			unix.Shutdown(r.dst, unix.SHUT_WR)
			return
		}
		r.chunk(buf[:n], fds, flags&unix.MSG_CTRUNC != 0)
	}
}

// chunk logs and relays one read.
func (r *relay) chunk(p []byte, fds []int, ctrunc bool) {
	var kinds []string
	if len(fds) > 0 {
		kinds = make([]string, len(fds))
		for i, fd := range fds {
			kinds[i] = describeFD(fd)
		}
	}
	r.frames, r.starts, r.ends = r.frames[:0], r.starts[:0], r.ends[:0]
	at := r.fr.scan(p, func(f frame) {
		r.seq++
		e := Entry{Event: EventFrame, Pid: r.pid, Dir: r.dir, Seq: r.seq, Size: f.size}
		if f.start < 0 {
			e.Handles, r.pending = r.pending, nil
		}
		describe(&e, r.mode, f, r.max)
		r.frames = append(r.frames, e)
		r.starts = append(r.starts, f.start)
		r.ends = append(r.ends, f.end)
	})
	if kinds != nil {
		i := len(r.starts) - 1
		if at >= 0 && i >= 0 && r.starts[i] == at {
			r.frames[i].Handles = append(r.frames[i].Handles, kinds...)
		} else {
			r.pending = append(r.pending, kinds...) // its frame completes in a later read
		}
	}
	// Log before relaying: an answer to a frame cannot be logged before it.
	now := r.now()
	for i := range r.frames {
		r.frames[i].Time = now
		r.log.Log(&r.frames[i])
	}
	if ctrunc {
		r.log.Log(&Entry{Time: now, Event: EventError, Pid: r.pid, Dir: r.dir, Err: "descriptors lost: control data truncated (MSG_CTRUNC)"})
	}
	if r.broken {
		closeAll(fds)
	} else if err := r.relay(p, fds, at); err != nil {
		r.broken = true
		r.log.Log(&Entry{Time: r.now(), Event: EventError, Pid: r.pid, Dir: r.dir, Err: "write: " + err.Error()})
		// Make the writer on src see the broken channel too.
		unix.Shutdown(r.src, unix.SHUT_RD)
		closeAll(r.heldFDs)
		r.held, r.heldFDs = r.held[:0], nil
	}
}

// relay writes p (after the held bytes) to dst in the pieces described on
// relay, with fds attached to p[at] (p[0] when no frame starts in p). It
// closes the descriptors it sent.
func (r *relay) relay(p []byte, fds []int, at int) error {
	hold := min(r.fr.partialPrefix(), len(p))
	send := p[:len(p)-hold]
	at = max(at, 0)
	if len(fds) > 0 && at >= len(send) {
		r.heldFDs = append(r.heldFDs, fds...) // they go with the held prefix
		fds = nil
	}
	var sentHeld []int
	defer func() { closeAll(fds); closeAll(sentHeld) }()
	cuts := append(r.ends[:0:0], len(send))
	if r.mode == Advanced {
		cuts = r.ends
		if len(cuts) == 0 || cuts[len(cuts)-1] != len(send) {
			cuts = append(cuts, len(send))
		}
	}
	prev := 0
	for _, cut := range cuts {
		seg := send[prev:cut]
		var segFDs []int
		off := 0
		if len(fds) > 0 && at >= prev && at < cut {
			segFDs, off = fds, at-prev
		}
		if len(r.held) > 0 {
			// The held prefix starts this piece; the frame it begins is
			// the first in p, so any descriptors of this read attached
			// inside the piece are that frame's.
			r.scratch = append(append(r.scratch[:0], r.held...), seg...)
			seg = r.scratch
			if len(r.heldFDs) > 0 {
				sentHeld = r.heldFDs
				segFDs, off = append(append([]int(nil), r.heldFDs...), segFDs...), 0
			} else if len(segFDs) > 0 {
				off += len(r.held)
			}
			r.held, r.heldFDs = r.held[:0], nil
		}
		if len(seg) > 0 {
			if err := r.writeSeg(seg, segFDs, off); err != nil {
				return err
			}
		}
		prev = cut
	}
	r.held = append(r.held, p[len(send):]...)
	return nil
}

// writeSeg writes b to dst with fds (if any) attached to b[off].
func (r *relay) writeSeg(b []byte, fds []int, off int) error {
	if len(fds) == 0 {
		return writeAll(r.dst, b)
	}
	if err := writeAll(r.dst, b[:off]); err != nil {
		return err
	}
	var n int
	var err error
	for {
		n, err = unix.SendmsgN(r.dst, b[off:], unix.UnixRights(fds...), nil, sendFlags)
		if err != unix.EINTR {
			break
		}
	}
	if err != nil {
		return err
	}
	return writeAll(r.dst, b[off+n:])
}

func writeAll(fd int, p []byte) error {
	for len(p) > 0 {
		n, err := unix.Write(fd, p)
		if err == unix.EINTR {
			continue
		}
		if err != nil {
			return err
		}
		p = p[n:]
	}
	return nil
}

// rights returns the descriptors of every SCM_RIGHTS message in oob.
func rights(oob []byte) []int {
	msgs, err := unix.ParseSocketControlMessage(oob)
	if err != nil {
		return nil
	}
	var fds []int
	for _, m := range msgs {
		if m.Header.Level == unix.SOL_SOCKET && m.Header.Type == unix.SCM_RIGHTS && len(m.Data)%4 == 0 {
			if got, err := unix.ParseUnixRights(&m); err == nil {
				fds = append(fds, got...)
			}
		}
	}
	return fds
}

func closeAll(fds []int) {
	for _, fd := range fds {
		unix.Close(fd)
	}
}
