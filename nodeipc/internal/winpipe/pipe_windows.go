//go:build windows

package winpipe

import (
	"errors"
	"fmt"
	"os"
	"time"
	"unsafe"

	"golang.org/x/sys/windows"
)

// startupInfo is windows.StartupInfo with the C runtime's fields named.
type startupInfo struct {
	Cb                                 uint32
	Reserved                           *uint16
	Desktop, Title                     *uint16
	X, Y, XSize, YSize                 uint32
	XCountChars, YCountChars, FillAttr uint32
	Flags                              uint32
	ShowWindow                         uint16
	CbReserved2                        uint16
	LpReserved2                        *byte
	StdInput, StdOutput, StdErr        windows.Handle
}

// InheritedHandle returns the HANDLE that C runtime descriptor fd names in
// this process: the parent (libuv) passes every stdio slot's HANDLE in
// STARTUPINFO.lpReserved2, the way the Microsoft C runtime inherits
// descriptors. A Go program has no C runtime to read it, so this does.
func InheritedHandle(fd int) (windows.Handle, error) {
	var si startupInfo
	si.Cb = uint32(unsafe.Sizeof(si))
	windows.GetStartupInfo((*windows.StartupInfo)(unsafe.Pointer(&si)))
	var block []byte
	if si.LpReserved2 != nil {
		block = unsafe.Slice(si.LpReserved2, int(si.CbReserved2))
	}
	h, _, err := CRTHandle(block, fd)
	if err != nil {
		return 0, err
	}
	return windows.Handle(h), nil
}

// Pipe is one end of an overlapped named pipe, the transport of Node's IPC
// channel on Windows.
//
// I/O goes through the Go runtime's I/O completion port (os.NewFile
// associates an overlapped handle with it): a Read waiting for the peer parks
// its goroutine, not an OS thread, deadlines interrupt it, and Close cancels
// pending I/O. Events with one wait per operation would pin a thread for
// every blocked read and need a second mechanism for Close and deadlines;
// the completion port gives all three as the net package has them.
//
// Read and Write are safe to call concurrently with each other and with
// Close; as with net.Conn, concurrent Reads (or Writes) must be serialized by
// the caller.
type Pipe struct {
	f       *os.File
	h       windows.Handle
	peerPID uint32
}

// NewPipe takes ownership of h, which must be an overlapped named-pipe
// handle: it is made non-inheritable (so processes started later do not get
// the channel) and registered with the runtime's completion port. On error h
// is closed unless it is not a named pipe at all (then it is left as it was:
// it may be something else the process uses).
func NewPipe(h windows.Handle) (*Pipe, error) {
	t, err := windows.GetFileType(h)
	if err != nil {
		return nil, fmt.Errorf("HANDLE %#x: %w", h, err)
	}
	if t != windows.FILE_TYPE_PIPE {
		return nil, fmt.Errorf("HANDLE %#x is not a pipe (file type %d)", h, t)
	}
	var flags, outSz, inSz, maxInst uint32
	if err := windows.GetNamedPipeInfo(h, &flags, &outSz, &inSz, &maxInst); err != nil {
		return nil, fmt.Errorf("HANDLE %#x is not a named pipe: %w", h, err)
	}
	if err := windows.SetHandleInformation(h, windows.HANDLE_FLAG_INHERIT, 0); err != nil {
		windows.CloseHandle(h) // a named pipe: closed on error, as documented
		return nil, fmt.Errorf("HANDLE %#x: SetHandleInformation: %w", h, err)
	}
	p := &Pipe{h: h}
	// The peer is the process at the other end: the server's when this is
	// the client end (a child of libuv), the client's otherwise.
	self := windows.GetCurrentProcessId()
	var pid uint32
	if flags&windows.PIPE_SERVER_END != 0 {
		err = windows.GetNamedPipeClientProcessId(h, &pid)
	} else {
		err = windows.GetNamedPipeServerProcessId(h, &pid)
	}
	if err == nil && pid != self {
		p.peerPID = pid
	}
	p.f = os.NewFile(uintptr(h), "nodeipc-pipe")
	if err := p.f.SetReadDeadline(time.Time{}); err != nil {
		// Not registered with the completion port: the handle was not
		// opened overlapped, and a read could not be interrupted.
		p.f.Close()
		return nil, fmt.Errorf("HANDLE %#x is not an overlapped pipe: %w", h, err)
	}
	return p, nil
}

// PeerPID is the process id of the other end, or 0 if it is unknown (the
// target of a socket transfer).
func (p *Pipe) PeerPID() uint32 { return p.peerPID }

// Read reads what is available, up to len(b) bytes. At the peer's close it
// returns io.EOF.
func (p *Pipe) Read(b []byte) (int, error) {
	n, err := p.f.Read(b)
	return n, mapPipeErr(err)
}

// Write writes all of b.
func (p *Pipe) Write(b []byte) (int, error) {
	n, err := p.f.Write(b)
	return n, mapPipeErr(err)
}

// SetReadDeadline sets the deadline of pending and future Reads; a Read past
// it returns an error wrapping os.ErrDeadlineExceeded.
func (p *Pipe) SetReadDeadline(t time.Time) error { return p.f.SetReadDeadline(t) }

// SetWriteDeadline is SetReadDeadline for Writes.
func (p *Pipe) SetWriteDeadline(t time.Time) error { return p.f.SetWriteDeadline(t) }

// Close closes the pipe; pending Reads and Writes return an error wrapping
// os.ErrClosed.
func (p *Pipe) Close() error { return p.f.Close() }

// mapPipeErr turns a broken pipe (the peer closed or exited) into io.EOF on
// reads, as a socket's EOF is on Unix.
func mapPipeErr(err error) error {
	if err == nil {
		return nil
	}
	var pe *os.PathError
	if errors.As(err, &pe) {
		switch pe.Err {
		case windows.ERROR_BROKEN_PIPE, windows.ERROR_NO_DATA, windows.ERROR_PIPE_NOT_CONNECTED:
			return fmt.Errorf("%w: %v", errPeerClosed, pe.Err)
		}
	}
	return err
}

// errPeerClosed marks a pipe whose other end is gone.
var errPeerClosed = errors.New("pipe closed by the peer")

// IsPeerClosed reports whether err means the other end closed the pipe.
func IsPeerClosed(err error) bool { return errors.Is(err, errPeerClosed) }
