package nodeipc

import (
	"errors"
	"fmt"
	"runtime"
	"syscall"
	"time"
)

// # The transport seam
//
// Everything that touches the operating system's channel object (the
// socket descriptor on Unix, the named pipe on Windows) lives behind one
// unexported interface, transport, and the two handle types its
// implementations produce and consume, rxHandle and txHandle. The protocol
// code (the writer in send.go, the reader in reader.go, handles in
// handle.go, socket lists) deals in bytes, frames and these types only; it
// never sees a descriptor and never imports x/sys/unix. A Channel holds a
// transport; each read or write on the hot path is one method call on it.
//
// One implementation exists per platform family, selected by build tags:
//
//	transport_unix.go            sockTransport, over an AF_UNIX stream socket
//	                             (descriptors as SCM_RIGHTS)
//	transport_recvmsg_raw.go     recvmsg as a raw system call with
//	                             MSG_CMSG_CLOEXEC (Linux)
//	transport_recvmsg_portable.go recvmsg through the portable call (every
//	                             other Unix, and Linux with the
//	                             nodeipc_portable tag)
//	transport_cloexec_*.go       how received and created descriptors become
//	                             close-on-exec (flags, or the fork lock)
//	transport_family_*.go        a socket's address family (SO_DOMAIN on
//	                             Linux, getsockname elsewhere)
//	transport_sockopt_*.go       socket options set on the channel
//	transport_nosigpipe_*.go     SO_NOSIGPIPE where it exists
//	transport_pair_unix.go       socketpair creation, the child's end for Start
//	transport_inherit_unix.go    the inherited NODE_CHANNEL_FD check
//	transport_handle_unix.go     handle dup, inspect and convert (rxHandle, txHandle)
//	transport_rights_unix.go     SCM_RIGHTS parsing
//	spin*.go                     how a Unix read that finds no data waits
//	transport_windows.go         pipeTransport, over libuv's IPC named pipe
//	                             (16-byte frame headers on the wire, sockets
//	                             as WSAPROTOCOL_INFOW blobs), and its
//	                             constructors (Start's CreateProcess with the
//	                             C runtime's inheritance block); the wire
//	                             format and Win32 calls are in
//	                             nodeipc/internal/winpipe
//	transport_handle_windows.go  the Windows rxHandle and txHandle
//	transport_other.go           every other platform: each constructor
//	                             fails with errUnsupported
//
// ## Constructors (each returns a transport that owns its channel object)
//
//	newTransport(conn *net.UnixConn) (transport, error)
//	    New's: takes ownership of conn on success (close closes it); on
//	    error conn is untouched and still the caller's.
//	inheritTransport(fd int) (transport, error)
//	    FromEnv's: the inherited descriptor fd. It reports a channel that is
//	    not usable (not an AF_UNIX stream socket, a listening socket) with an
//	    error and leaves such an fd untouched; on success fd itself is closed
//	    and the transport owns a close-on-exec duplicate.
//	startTransport(cmd *exec.Cmd, env func(slot int) []string) (transport, error)
//	    Start's: creates the pair, gives the child its end (env(slot) returns
//	    the child's environment for the slot its end has in the child),
//	    starts cmd, closes the parent's copy of the child's end and returns
//	    the parent's end. On error nothing is left open and cmd may or may not
//	    have been started (cmd.Process says which).

// transport is the channel object as the protocol code sees it. See the
// seam's description above for the constructors and the handle types.
type transport interface {
	// Read side. Only one goroutine at a time calls these: the holder of
	// the read token (readGate in reader.go). They may use scratch state
	// kept in the transport, so a steady stream of reads allocates nothing.

	// setup is called once, before the first read: at most maxHandles
	// handles are accepted per read (more are discarded by the kernel or
	// the transport and reported as truncated), and the spin policy's
	// limit (spin.go; a transport without one ignores it).
	setup(maxHandles int, spinWait time.Duration)

	// read reads once into p (len(p) > 0), parking until data, EOF, an
	// error, or an interruption. last tells what the previous read's bytes
	// amounted to once split into messages (the Unix spin policy's hint;
	// it rides on the read so that a read stays one call). n == 0 with a
	// nil err is EOF. got holds the handles received with these bytes, in
	// order; the slice is transport scratch valid until the next read, its
	// handles belong to the caller at once (close each one not used).
	// truncated reports handles lost by the system (MSG_CTRUNC); ctlErr
	// reports malformed ancillary data (handles found before it are still
	// in got). err is terminal except one wrapping os.ErrDeadlineExceeded
	// (an interruption, after which reading may go on); after close it
	// wraps net.ErrClosed. Handles are received close-on-exec: no process
	// this one starts, at any time, inherits one, even with an exec racing
	// the read.
	read(p []byte, last framing) (n int, got []rxHandle, truncated bool, ctlErr, err error)

	// Write side. Only one goroutine at a time calls these: the holder of
	// the writer's token (send.go). The bytes of one call are written
	// whole and in order, or the call fails (a partial write is reported
	// through n so that the caller can tell an intact stream from a broken
	// one).

	// write blocks until b is written.
	write(b []byte) (n int, err error)
	// writeHandle writes b with h attached to its first byte: the peer
	// receives h exactly once, with that byte. h stays the caller's.
	writeHandle(b []byte, h txHandle) (n int, err error)
	// writev writes every buffer in order, with as few system calls as it
	// can. It may change the elements of bufs (not what they point to).
	writev(bufs [][]byte) error
	// tryWrite writes what the system takes now, never waiting, and
	// returns how much that was; errors are left for the next write to
	// find. A transport that cannot write part of a frame returns 0.
	tryWrite(b []byte) int

	// Any goroutine, any time.

	// interruptRead makes a parked or future read return an error wrapping
	// os.ErrDeadlineExceeded; resumeRead undoes that. The caller
	// serializes the two (readGate.kickMu).
	interruptRead()
	resumeRead()
	// interruptWrite and resumeWrite do the same for write, writeHandle
	// and writev.
	interruptWrite()
	resumeWrite()
	// close closes the channel object; idempotent. A read or write in
	// progress returns an error wrapping net.ErrClosed.
	close() error
}

// framing is what a read's bytes amounted to once the reader split them
// into messages; the reader passes it to the next read.
type framing uint8

const (
	framingUnknown framing = iota // the read was not framed: the first read, or one that failed
	framingPartial                // it completed no message (a trickle, a message in pieces)
	framingWhole                  // it completed at least one message
)

// # Handles
//
// txHandle is a handle ready to be sent: the transport's own duplicate of
// a socket, made by dupHandle(h any) (txHandle, sockInfo, error) from a
// caller's socket (a syscall.Conn or *os.File); the caller's socket is not
// changed except that it is left non-blocking. The protocol code chooses
// Node's handle type from the sockInfo. txHandle.close() releases the
// duplicate; the writer calls it once the transfer ended.
//
// rxHandle is a received handle, not yet claimed by a NODE_HANDLE message.
// Whoever holds one must call exactly one consuming method: close(), or
// convert (handle.go), which calls the conversion methods (inspect,
// streamConn, conn, listener, packetConn, connected, unbound) and then
// close. The conversions return new Go objects with their own duplicates,
// all close-on-exec. rxHandle is a small value; the zero value is no
// handle. Both handle types are safe to use from one goroutine at a time.

// controlHandle runs fn on the descriptor of h (the socket handle on
// Windows), which must be a syscall.Conn (*os.File and Go's socket types
// are), and returns fn's error. It is the first step of every platform's
// dupHandle; fn must not keep fd, which is h's and stays valid only while
// fn runs.
func controlHandle(h any, fn func(fd uintptr) error) error {
	sc, ok := h.(syscall.Conn)
	if !ok {
		return fmt.Errorf("%T is not a socket", h)
	}
	rc, err := sc.SyscallConn()
	if err != nil {
		return err
	}
	var ferr error
	if err := rc.Control(func(fd uintptr) { ferr = fn(fd) }); err != nil {
		return err
	}
	return ferr
}

// errUnsupported is what every constructor returns where the platform has
// no transport (transportSupported is false; see transport_other.go). It
// wraps errors.ErrUnsupported and names the platform.
var errUnsupported = fmt.Errorf("nodeipc: Node.js IPC channels are not supported on %s/%s: %w", runtime.GOOS, runtime.GOARCH, errors.ErrUnsupported)

// sockFamily and sockKind are a socket's address family and type, in the
// few classes Node's handle types distinguish.
type sockFamily uint8

const (
	famOther sockFamily = iota
	famUnix
	famInet4
	famInet6
)

type sockKind uint8

const (
	kindOther sockKind = iota
	kindStream
	kindDgram
)

// sockInfo describes a socket, as libuv's uv_guess_handle classifies it.
// domain and typ are the system's raw values, kept for messages.
type sockInfo struct {
	socket    bool
	family    sockFamily
	kind      sockKind
	listening bool
	domain    int
	typ       int
}

func (s sockInfo) inet() bool { return s.family == famInet4 || s.family == famInet6 }

// String describes the socket with an article, for "... cannot be a
// net.Socket".
func (s sockInfo) String() string {
	if !s.socket {
		return "a descriptor that is not a socket"
	}
	fam := map[sockFamily]string{famUnix: "Unix-domain", famInet4: "IPv4", famInet6: "IPv6"}[s.family]
	kind := map[sockKind]string{kindStream: "stream", kindDgram: "datagram"}[s.kind]
	if fam == "" || kind == "" {
		return fmt.Sprintf("a socket of domain %d and type %d", s.domain, s.typ)
	}
	if s.listening {
		kind = "listening " + kind
	}
	article := "a"
	if fam == "IPv4" || fam == "IPv6" {
		article = "an"
	}
	return fmt.Sprintf("%s %s %s socket", article, fam, kind)
}

// aLongTimeAgo is the deadline that interrupts a parked read or write.
var aLongTimeAgo = time.Unix(1, 0)
