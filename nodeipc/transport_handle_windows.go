//go:build windows

package nodeipc

import (
	"errors"
	"fmt"
	"net"
	"os"

	"github.com/nodeipc/nodeipc-go/nodeipc/internal/winpipe"
	"golang.org/x/sys/windows"
)

// rxSocket is a socket imported from a transfer block. It is shared by the
// copies of an rxHandle; a conversion takes the socket over (taken), close
// closes it otherwise.
type rxSocket struct {
	s     windows.Handle
	conn  bool // the frame said XFER_IS_TCP_CONNECTION
	taken bool
}

// rxHandle is a received socket (see transport.go). The zero value is no
// handle.
type rxHandle struct{ x *rxSocket }

// importHandle creates this process's socket for a transfer block at once,
// so that the sender's duplicate is claimed (and released when the handle
// is closed) whether or not a NODE_HANDLE message ever claims it.
func importHandle(x *winpipe.Xfer) (rxHandle, error) {
	s, err := winpipe.ImportSocket(&x.Info)
	if err != nil {
		return rxHandle{}, fmt.Errorf("%w: %w", ErrBadHandle, err)
	}
	return rxHandle{&rxSocket{s: s, conn: x.Conn}}, nil
}

func (h rxHandle) close() error {
	if h.x == nil || h.x.taken {
		return nil
	}
	h.x.taken = true
	return windows.Closesocket(h.x.s)
}

func (h rxHandle) inspect() (sockInfo, error) {
	if h.x == nil || h.x.taken {
		return sockInfo{}, errors.New("no socket")
	}
	return socketInfo(h.x.s)
}

func socketInfo(s windows.Handle) (sockInfo, error) {
	fam, typ, listening, err := winpipe.SocketInfo(s)
	if err != nil {
		return sockInfo{}, err
	}
	info := sockInfo{socket: true, listening: listening, domain: fam, typ: typ}
	switch fam {
	case windows.AF_INET:
		info.family = famInet4
	case windows.AF_INET6:
		info.family = famInet6
	case windows.AF_UNIX:
		info.family = famUnix
	}
	switch typ {
	case windows.SOCK_STREAM:
		info.kind = kindStream
	case windows.SOCK_DGRAM:
		info.kind = kindDgram
	}
	return info, nil
}

// streamConn returns the socket as a net.Conn when the sender said it is a
// connection and it has a peer, or nil.
func (h rxHandle) streamConn() net.Conn {
	if h.x == nil || h.x.taken || !h.x.conn || !h.connected() {
		return nil
	}
	c, err := h.conn()
	if err != nil {
		return nil
	}
	return c
}

// conn returns the socket as a *winpipe.Conn (a net.Conn with deadlines,
// CloseWrite and SyscallConn), taking it over.
func (h rxHandle) conn() (net.Conn, error) {
	if h.x == nil || h.x.taken {
		return nil, errors.New("no socket")
	}
	h.x.taken = true
	c, err := winpipe.NewConn(h.x.s)
	if err != nil {
		return nil, err
	}
	return c, nil
}

// listener returns the socket as a *winpipe.Listener, taking it over.
func (h rxHandle) listener() (net.Listener, error) {
	if h.x == nil || h.x.taken {
		return nil, errors.New("no socket")
	}
	h.x.taken = true
	l, err := winpipe.NewListener(h.x.s)
	if err != nil {
		return nil, err
	}
	return l, nil
}

// errDgramWindows: Node passes only TCP handles on Windows.
var errDgramWindows = errors.New("dgram handles cannot be passed on Windows (Node supports only net.Server and net.Socket there)")

func (h rxHandle) packetConn() (*net.UDPConn, error) { return nil, errDgramWindows }

func (h rxHandle) connected() bool {
	if h.x == nil || h.x.taken {
		return false
	}
	_, err := windows.Getpeername(h.x.s)
	return err == nil
}

func (h rxHandle) unbound() (any, error) {
	return nil, fmt.Errorf("a bound, unconnected socket cannot be used on Windows: %w", errors.ErrUnsupported)
}

// txHandle is the transport's own duplicate of a socket being sent.
type txHandle struct {
	s         windows.Handle
	listening bool
}

func (h txHandle) close() error {
	if h.s == 0 {
		return nil
	}
	return windows.Closesocket(h.s)
}

// dupHandle makes the transport's duplicate of a TCP socket (a
// *net.TCPListener, *net.TCPConn, *winpipe.Conn, an *os.File holding a
// socket handle, or any syscall.Conn over a TCP socket) and classifies it.
// Only TCP sockets travel on Windows.
func dupHandle(h any) (txHandle, sockInfo, error) {
	var tx txHandle
	var info sockInfo
	err := controlHandle(h, func(fd uintptr) error {
		s := windows.Handle(fd)
		var err error
		if info, err = socketInfo(s); err != nil {
			if _, isFile := h.(*os.File); isFile {
				return fmt.Errorf("the *os.File holds no socket: %w", err)
			}
			return err
		}
		if info.kind != kindStream || !info.inet() {
			return fmt.Errorf("%s cannot be sent on Windows: %w", info, winpipe.ErrNotTCP)
		}
		blob, err := winpipe.DuplicateFor(s, windows.GetCurrentProcessId())
		if err != nil {
			return err
		}
		tx.s, err = winpipe.ImportSocket(&blob)
		tx.listening = info.listening
		return err
	})
	if err != nil {
		return txHandle{}, sockInfo{}, err
	}
	return tx, info, nil
}

// The sockets a received handle becomes satisfy Handle, as Message.Handle
// promises.
var (
	_ Handle = (*winpipe.Conn)(nil)
	_ Handle = (*winpipe.Listener)(nil)
)
