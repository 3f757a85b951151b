//go:build darwin || freebsd || linux || netbsd || openbsd

package nodeipc

import (
	"fmt"
	"net"
	"os"

	"golang.org/x/sys/unix"
)

// inheritTransport wraps the inherited channel descriptor fd (see
// transport.go). A descriptor that is not a connected-style AF_UNIX stream
// socket (not a socket, another family or type, a listening socket) is
// rejected and left as it was. On success fd itself is closed; the
// transport uses a close-on-exec duplicate registered with the netpoller.
func inheritTransport(fd int) (transport, error) {
	info, err := inspectSocket(fd)
	if err != nil {
		return nil, err
	}
	if !info.socket || info.family != famUnix || info.kind != kindStream {
		return nil, fmt.Errorf("descriptor %d is %s, not an AF_UNIX stream socket", fd, info)
	}
	if info.listening {
		return nil, fmt.Errorf("descriptor %d is a listening AF_UNIX socket, not a channel", fd)
	}
	unix.CloseOnExec(fd)
	f := os.NewFile(uintptr(fd), "nodeipc-channel")
	c, err := net.FileConn(f) // duplicates close-on-exec, sets O_NONBLOCK
	f.Close()
	if err != nil {
		return nil, err
	}
	uc, ok := c.(*net.UnixConn)
	if !ok {
		c.Close()
		return nil, fmt.Errorf("descriptor %d is a %T, not a Unix socket", fd, c)
	}
	t, err := newTransport(uc)
	if err != nil {
		uc.Close()
		return nil, err
	}
	return t, nil
}

// closeChannelFD closes an inherited channel descriptor that FromEnv will
// not use (see FromEnv), if it is one: an AF_UNIX stream socket that is not
// listening. Any other descriptor is not a channel and is left as it was.
func closeChannelFD(fd int) {
	info, err := inspectSocket(fd)
	if err == nil && info.family == famUnix && info.kind == kindStream && !info.listening {
		unix.Close(fd)
	}
}
