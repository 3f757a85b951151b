package nodeipc

import (
	"encoding/binary"
	"fmt"
	"os"
	"unsafe"

	"golang.org/x/sys/unix"
)

// recvmsg reads from the channel socket, parking on the netpoller while no
// data is available. Received descriptors are close-on-exec. The caller
// holds the read token (readgate.go), whose preallocated msghdr and callback
// make a read allocation-free.
//
// It may poll briefly before parking; see tryRecvmsg.
func (c *Channel) recvmsg(p, oob []byte) (n, oobn, flags int, err error) {
	g := &c.rd
	g.iov = unix.Iovec{Base: unsafe.SliceData(p)}
	g.iov.SetLen(len(p))
	g.msg = unix.Msghdr{Iov: &g.iov, Iovlen: 1}
	if len(oob) > 0 {
		g.msg.Control = unsafe.SliceData(oob)
		g.msg.SetControllen(len(oob))
	}
	g.rn, g.rerr = 0, 0
	err = c.rc.Read(g.readFn)
	n, oobn, flags = g.rn, int(g.msg.Controllen), int(g.msg.Flags)
	g.iov, g.msg = unix.Iovec{}, unix.Msghdr{} // drop the buffer pointers
	if err == nil && g.rerr != 0 {
		err = os.NewSyscallError("recvmsg", g.rerr)
	}
	if err != nil || g.rerr != 0 {
		oobn, flags = 0, 0
	}
	return n, oobn, flags, err
}

// tryRecvmsg is the RawConn.Read callback of recvmsg: non-blocking recvmsg
// with the prepared msghdr. It reports false to park on the netpoller.
//
// Before parking it may poll, or wait in the kernel, for up to
// Options.SpinWait, as the spin policy says (spin.go): on a request/reply
// channel the answer often arrives within tens of microseconds, and parking
// and waking through the netpoller costs about as much again. The poller's
// guarantees (deadlines, Close, preemption for the garbage collector) are
// kept, delayed by at most SpinWait, because the goroutine never blocks in
// the kernel for longer.
func (g *readGate) tryRecvmsg(fd uintptr) bool {
	for {
		r, _, e := unix.Syscall(unix.SYS_RECVMSG, fd, uintptr(unsafe.Pointer(&g.msg)), unix.MSG_CMSG_CLOEXEC)
		if e == unix.EINTR {
			continue
		}
		if e == unix.EAGAIN {
			if g.spin.again(fd) { // SPIN POLICY: read again, or park?
				continue
			}
			return false
		}
		g.spin.woke() // SPIN POLICY: the read completed
		if e != 0 {
			r = 0
		}
		g.rn, g.rerr = int(r), e
		return true
	}
}

// parseRights extracts the descriptors of every SCM_RIGHTS message in oob,
// each wrapped in an *os.File so that it has an owner at once. Other control
// messages are ignored, as libuv does. It walks the headers itself rather
// than with unix.ParseSocketControlMessage, which drops every message (and
// so leaks the descriptors already received) when a later header is
// malformed, and unix.ParseUnixRights, which panics on a payload that is not
// a multiple of 4 bytes. Descriptors found before a malformed header are
// returned with the error; negative values are skipped.
func parseRights(oob []byte) ([]*os.File, error) {
	var files []*os.File
	hdr := unix.CmsgLen(0) // aligned header size
	for len(oob) >= unix.SizeofCmsghdr {
		n, level, typ := cmsgHeader(oob)
		if n < uint64(hdr) || n > uint64(len(oob)) {
			return files, fmt.Errorf("control message length %d (%d bytes left)", n, len(oob))
		}
		l := int(n)
		if level == unix.SOL_SOCKET && typ == unix.SCM_RIGHTS {
			data := oob[hdr:l]
			for i := 0; i+4 <= len(data); i += 4 {
				fd := int32(binary.NativeEndian.Uint32(data[i:]))
				if fd < 0 {
					continue
				}
				files = append(files, os.NewFile(uintptr(fd), "nodeipc-handle"))
			}
		}
		next := unix.CmsgSpace(l - hdr)
		if next >= len(oob) {
			break
		}
		oob = oob[next:]
	}
	return files, nil
}

// cmsgHeader decodes the cmsghdr at the start of b (at least
// unix.SizeofCmsghdr bytes) without assuming b is aligned.
func cmsgHeader(b []byte) (n uint64, level, typ int32) {
	var h unix.Cmsghdr
	off := int(unsafe.Sizeof(h.Len))
	if off == 8 {
		n = binary.NativeEndian.Uint64(b)
	} else {
		n = uint64(binary.NativeEndian.Uint32(b))
	}
	level = int32(binary.NativeEndian.Uint32(b[off:]))
	typ = int32(binary.NativeEndian.Uint32(b[off+4:]))
	return n, level, typ
}

// writeFrame writes b whole. When file is non-nil its descriptor rides on
// the first sendmsg only; a short write is finished with plain writes, so the
// peer receives the descriptor exactly once, with the frame's first byte.
// It returns how many bytes were written. The caller holds the write token.
func (c *Channel) writeFrame(b []byte, file *os.File) (int, error) {
	c.rd.spin.wrote() // SPIN POLICY: a reply may be due
	if file == nil {
		return c.conn.Write(b)
	}
	var oob []byte
	sc, err := file.SyscallConn()
	if err != nil {
		return 0, err
	}
	if cerr := sc.Control(func(fd uintptr) { oob = unix.UnixRights(int(fd)) }); cerr != nil {
		return 0, cerr
	}
	n, _, err := c.conn.WriteMsgUnix(b, oob, nil)
	if err != nil || n == len(b) {
		return n, err
	}
	m, err := c.conn.Write(b[n:])
	return n + m, err
}
