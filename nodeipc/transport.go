package nodeipc

import (
	"errors"
	"fmt"
	"runtime"
	"time"
)

// # The transport seam
//
// Everything that touches the operating system's channel object (the
// socket descriptor on Unix) lives behind one unexported type, transport,
// and the two handle types it produces and consumes, rxHandle and txHandle.
// The protocol code (the writer in send.go, the reader in reader.go,
// handles in handle.go, socket lists) deals in bytes, frames and these
// types only; it never sees a descriptor and never imports x/sys/unix.
//
// One implementation exists per platform family, selected by build tags:
//
//	transport_unix.go            the type over an AF_UNIX stream socket (SCM_RIGHTS)
//	transport_recvmsg_*.go       recvmsg: raw system call with MSG_CMSG_CLOEXEC
//	                             (Linux), or the portable call (every other Unix,
//	                             and Linux with the nodeipc_portable tag)
//	transport_pair*.go           socketpair creation, the child's end for Start
//	transport_inherit_unix.go    the inherited NODE_CHANNEL_FD check
//	transport_handle_unix.go     handle dup, inspect and convert (rxHandle, txHandle)
//	transport_rights_unix.go     SCM_RIGHTS parsing
//	transport_other.go           every platform without an implementation: each
//	                             constructor fails with errUnsupported
//
// A Windows implementation (a libuv named pipe with 16-byte frame headers
// on the wire, sockets passed as WSAPROTOCOL_INFOW blobs) provides the same
// names with the same contract and narrows transport_other.go's constraint.
//
// ## Constructors (each returns a transport that owns its channel object)
//
//	newTransport(conn *net.UnixConn) (*transport, error)
//	    New's: takes ownership of conn on success (close closes it); on
//	    error conn is untouched and still the caller's.
//	inheritTransport(fd int) (*transport, error)
//	    FromEnv's: the inherited descriptor fd. It reports a channel that is
//	    not usable (not an AF_UNIX stream socket, a listening socket) with an
//	    error and leaves such an fd untouched; on success fd itself is closed
//	    and the transport owns a close-on-exec duplicate.
//	startTransport(cmd *exec.Cmd, env func(slot int) []string) (*transport, error)
//	    Start's: creates the pair, gives the child its end (env(slot) returns
//	    the child's environment for the slot its end has in the child),
//	    starts cmd, closes the parent's copy of the child's end and returns
//	    the parent's end. On error nothing is left open and cmd may or may not
//	    have been started (cmd.Process says which).
//
// ## Methods
//
// Read side. Only one goroutine at a time calls them: the holder of the
// read token (readGate). They may use scratch state kept in the transport,
// so a steady stream of reads allocates nothing.
//
//	setup(maxHandles int, spinWait time.Duration)
//	    called once, before the first read: at most maxHandles handles are
//	    accepted per read (more are discarded by the kernel or the transport
//	    and reported as truncated), and the spin policy's limit.
//	read(p []byte) (n int, got []rxHandle, truncated bool, ctlErr, err error)
//	    reads once into p (len(p) > 0), parking (on the netpoller) until data,
//	    EOF, an error, or an interruption. n == 0 with a nil err is EOF. got
//	    holds the handles received with these bytes, in order; the slice is
//	    transport scratch valid until the next read, its handles belong to
//	    the caller at once (close each one not used). truncated reports
//	    handles lost by the system (MSG_CTRUNC); ctlErr reports malformed
//	    ancillary data (handles found before it are still in got). err is
//	    terminal except one wrapping os.ErrDeadlineExceeded (an interruption,
//	    after which reading may go on); after close it wraps net.ErrClosed.
//	    Handles are received close-on-exec: no process this one starts, at
//	    any time, inherits one, even with an exec racing the read.
//
// Write side. Only one goroutine at a time calls them: the holder of the
// writer's token (send.go). The bytes of one call are written whole and in
// order, or the call fails (a partial write is reported through n so that
// the caller can tell an intact stream from a broken one).
//
//	write(b []byte) (n int, err error)                 blocks until b is written
//	writeHandle(b []byte, h txHandle) (n int, err error)
//	    writes b with h attached to its first byte: the peer receives h
//	    exactly once, with that byte. h stays the caller's.
//	writev(bufs [][]byte) error
//	    writes every buffer in order, with as few system calls as it can. It
//	    may change the elements of bufs (not what they point to).
//	tryWrite(b []byte) int
//	    writes what the system takes now, never waiting, and returns how much
//	    that was; errors are left for the next write to find.
//
// Any goroutine, any time:
//
//	interruptRead() / resumeRead()
//	    make a parked or future read return an error wrapping
//	    os.ErrDeadlineExceeded, and undo that. The caller serializes the
//	    two (readGate.kickMu).
//	interruptWrite() / resumeWrite()    the same for write, writeHandle, writev.
//	close() error
//	    closes the channel object; idempotent. A read or write in progress
//	    returns an error wrapping net.ErrClosed.
//
// ## Handles
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
