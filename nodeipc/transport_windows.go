//go:build windows

package nodeipc

import (
	"errors"
	"fmt"
	"io"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"sync"
	"time"

	"github.com/nodeipc/nodeipc-go/nodeipc/internal/winpipe"
	"golang.org/x/sys/windows"
)

// pipeTransport is the channel over libuv's IPC named pipe, as a Windows Node
// parent gives it to a child: every write is one libuv frame (a 16-byte
// header, a 632-byte socket transfer block when a socket travels, then the
// data), and sockets travel as WSAPROTOCOL_INFOW blobs made for the peer's
// process. The frames' data is the same byte stream as on Unix, so the
// codecs and the protocol run unchanged above it. See transport.go for the
// contract and nodeipc/internal/winpipe for the wire format and the Win32 calls.
//
// I/O is overlapped through the Go runtime's completion port (winpipe.Pipe):
// a parked read holds no OS thread, and deadlines (the read gate's
// interruptions) and close work as on Unix.
const transportSupported = true

var _ transport = (*pipeTransport)(nil)

type pipeTransport struct {
	p         *winpipe.Pipe
	closeOnce sync.Once

	// Read side, owned by the read-token holder.
	u       *winpipe.Unframer
	got     []rxHandle
	readErr error // a terminal error found after data that was returned first

	// Write side, owned by the write-token holder.
	wbuf []byte
}

// maxCopyWrite is the largest message copied behind its header into one
// write; a larger one is written after its header with a second write (the
// write token keeps the two together on the pipe).
const maxCopyWrite = 64 << 10

func newTransport(*net.UnixConn) (transport, error) {
	return nil, fmt.Errorf("nodeipc: New: a Node channel on Windows is a named pipe, not a *net.UnixConn (use FromEnv, Start or Pipe): %w", errors.ErrUnsupported)
}

// inheritTransport finds the channel's HANDLE in the C runtime's
// inheritance block (NODE_CHANNEL_FD is a C runtime descriptor number there,
// not a HANDLE) and takes it over. A HANDLE that is not a named pipe is left
// as it was.
func inheritTransport(fd int) (transport, error) {
	h, err := winpipe.InheritedHandle(fd)
	if err != nil {
		return nil, err
	}
	p, err := winpipe.NewPipe(h)
	if err != nil {
		return nil, err
	}
	return &pipeTransport{p: p, u: winpipe.NewUnframer(0)}, nil
}

// startTransport starts cmd as libuv starts a child with an 'ipc' slot: a
// new named pipe, the child's end passed as C runtime descriptor
// 3+len(cmd.ExtraFiles) in the inheritance block of STARTUPINFO.lpReserved2
// (which os/exec cannot set, so the process is created here), with exactly
// the child's stdio, ExtraFiles and channel inherited. cmd.Stdin, Stdout and
// Stderr must be nil (the NUL device) or *os.File; cmd.SysProcAttr is not
// supported. cmd.Process is set, so cmd.Wait works as usual.
func startTransport(cmd *exec.Cmd, env func(slot int) []string) (transport, error) {
	if cmd.SysProcAttr != nil {
		return nil, errors.New("nodeipc: Start on Windows: cmd.SysProcAttr is not supported")
	}
	path := cmd.Path
	if cmd.Err != nil {
		return nil, cmd.Err
	}
	if filepath.Base(path) == path {
		lp, err := exec.LookPath(path)
		if err != nil {
			return nil, err
		}
		path = lp
	}
	var fds []windows.Handle
	var flags []byte
	var opened []*os.File
	defer func() {
		for _, f := range opened {
			f.Close()
		}
	}()
	for i, s := range []any{cmd.Stdin, cmd.Stdout, cmd.Stderr} {
		f, ok := s.(*os.File)
		if s == nil {
			mode := os.O_WRONLY
			if i == 0 {
				mode = os.O_RDONLY
			}
			var err error
			if f, err = os.OpenFile(os.DevNull, mode, 0); err != nil {
				return nil, err
			}
			opened = append(opened, f)
			ok = true
		}
		if !ok {
			return nil, fmt.Errorf("nodeipc: Start on Windows: stdio %d is a %T; only *os.File (or nil) is supported", i, s)
		}
		fds = append(fds, windows.Handle(f.Fd()))
		flags = append(flags, crtFlags(windows.Handle(f.Fd())))
	}
	for _, f := range cmd.ExtraFiles {
		if f == nil {
			fds = append(fds, 0)
			flags = append(flags, 0)
			continue
		}
		fds = append(fds, windows.Handle(f.Fd()))
		flags = append(flags, crtFlags(windows.Handle(f.Fd())))
	}
	p, child, err := winpipe.ChildPipe()
	if err != nil {
		return nil, err
	}
	slot := len(fds)
	fds = append(fds, child)
	flags = append(flags, winpipe.CRTOpen|winpipe.CRTPipe)
	args := cmd.Args
	if len(args) == 0 {
		args = []string{path}
	}
	proc, err := winpipe.StartProcess(path, args, env(slot), cmd.Dir, fds, flags)
	windows.CloseHandle(child)
	if err != nil {
		p.Close()
		return nil, err
	}
	p.SetPeerPID(proc.Pid)
	// os.FindProcess opens its own handle while ours keeps the process
	// object (and so its id) alive.
	cmd.Process, err = os.FindProcess(int(proc.Pid))
	windows.CloseHandle(proc.Handle)
	if err != nil {
		p.Close()
		return nil, err
	}
	return &pipeTransport{p: p, u: winpipe.NewUnframer(0)}, nil
}

// crtFlags is the C runtime's flag byte for an inherited HANDLE, by its
// file type, as libuv computes it.
func crtFlags(h windows.Handle) byte {
	switch t, _ := windows.GetFileType(h); t {
	case windows.FILE_TYPE_CHAR:
		return winpipe.CRTOpen | winpipe.CRTDev
	case windows.FILE_TYPE_PIPE:
		return winpipe.CRTOpen | winpipe.CRTPipe
	}
	return winpipe.CRTOpen
}

// pairTransports returns both ends of a new overlapped named pipe, for
// Pipe: libuv's frames travel both ways, and sockets are duplicated for this
// process.
func pairTransports() (transport, transport, error) {
	a, h, err := winpipe.ChildPipe()
	if err != nil {
		return nil, nil, err
	}
	b, err := winpipe.NewPipe(h)
	if err != nil {
		a.Close()
		return nil, nil, err
	}
	pid := windows.GetCurrentProcessId()
	a.SetPeerPID(pid)
	b.SetPeerPID(pid)
	return &pipeTransport{p: a, u: winpipe.NewUnframer(0)}, &pipeTransport{p: b, u: winpipe.NewUnframer(0)}, nil
}

// closeChannelFD closes the inherited channel when FromEnv gives up on it,
// so that the parent sees the channel end.
func closeChannelFD(fd int) {
	h, err := winpipe.InheritedHandle(fd)
	if err != nil {
		return
	}
	if t, err := windows.GetFileType(h); err == nil && t == windows.FILE_TYPE_PIPE {
		windows.CloseHandle(h)
	}
}

// setup: the frame data is streamed into the caller's buffer, so the codecs
// bound message sizes exactly as on Unix; the spin policy is a Unix netpoller
// refinement that overlapped I/O has no use for.
func (t *pipeTransport) setup(int, time.Duration) {}

// read reads from the pipe into p, strips the framing in place (the frames'
// data is moved to the front of p) and imports the sockets of the transfer
// blocks it completes. It reads again when a read brought only framing, so
// that n == 0 means EOF. A malformed frame is reported after the data that
// came before it.
func (t *pipeTransport) read(p []byte, _ framing) (int, []rxHandle, bool, error, error) {
	got := t.got[:0]
	var ctlErr error
	defer func() { t.got = got[:0] }()
	if t.readErr != nil {
		return 0, nil, false, nil, t.readErr
	}
	for {
		n, err := t.p.Read(p)
		w := 0
		in := p[:n]
		for len(in) > 0 {
			k, data, x, ferr := t.u.Next(in)
			if ferr != nil {
				t.readErr = frameError(ferr)
				break
			}
			w += copy(p[w:], data) // data lies at or after p[w]: copy moves it down
			if x != nil {
				h, herr := importHandle(x)
				if herr != nil {
					ctlErr = herr
				} else {
					got = append(got, h)
				}
			}
			in = in[k:]
		}
		if w > 0 {
			return w, got, false, ctlErr, nil
		}
		if t.readErr != nil {
			return 0, got, false, ctlErr, t.readErr
		}
		switch {
		case err == io.EOF:
			if t.u.InFrame() {
				t.readErr = fmt.Errorf("EOF inside a libuv frame: %w", io.ErrUnexpectedEOF)
				return 0, got, false, ctlErr, t.readErr
			}
			return 0, got, false, ctlErr, nil
		case err != nil:
			return 0, got, false, ctlErr, mapClosed(err)
		}
		if len(got) > 0 && n == 0 {
			return 0, got, false, ctlErr, nil
		}
	}
}

// frameError is the channel's terminal error for a frame header libuv would
// reject, with the header bytes as the data.
func frameError(err error) error {
	var fe *winpipe.FrameError
	if errors.As(err, &fe) {
		kind := ErrMalformedMessage
		if fe.TooLong {
			kind = ErrMessageTooLarge
		}
		return protocolError("read", fe.Header[:], fmt.Errorf("%w: %w", kind, fe))
	}
	return protocolError("read", nil, fmt.Errorf("%w: %w", ErrMalformedMessage, err))
}

// mapClosed makes an error of a closed pipe wrap net.ErrClosed, as the
// contract wants; others (deadlines, a broken pipe) pass through.
func mapClosed(err error) error {
	if errors.Is(err, os.ErrClosed) && !errors.Is(err, net.ErrClosed) {
		return fmt.Errorf("%w: %v", net.ErrClosed, err)
	}
	return err
}

// appendFrame appends one frame for msg (its header and, for a handle, the
// transfer block) and, when copyData, msg itself.
func appendFrame(b, msg []byte, xfer *[winpipe.ProtocolInfoSize]byte, conn, copyData bool) []byte {
	b = winpipe.AppendHeader(b, len(msg), xfer != nil, conn)
	if xfer != nil {
		b = append(b, xfer[:]...)
		b = append(b, 0, 0, 0, 0) // delayed_error
	}
	if copyData {
		b = append(b, msg...)
	}
	return b
}

// writeFrame writes one frame; it returns how many bytes of msg were
// written.
func (t *pipeTransport) writeFrame(msg []byte, xfer *[winpipe.ProtocolInfoSize]byte, conn bool) (int, error) {
	small := len(msg) <= maxCopyWrite
	t.wbuf = appendFrame(t.wbuf[:0], msg, xfer, conn, small)
	head := len(t.wbuf)
	if small {
		head -= len(msg)
	}
	n, err := t.p.Write(t.wbuf)
	if cap(t.wbuf) > 4*maxCopyWrite {
		t.wbuf = nil
	}
	if err != nil || !small {
		if err == nil {
			var m int
			m, err = t.p.Write(msg)
			return m, mapClosed(err)
		}
		return max(0, n-head), mapClosed(err)
	}
	return len(msg), nil
}

func (t *pipeTransport) write(b []byte) (int, error) { return t.writeFrame(b, nil, false) }

// writeHandle writes b in a frame that carries h, duplicated for the peer's
// process (the pipe tells which process that is).
func (t *pipeTransport) writeHandle(b []byte, h txHandle) (int, error) {
	pid := t.p.PeerPID()
	if pid == 0 {
		return 0, fmt.Errorf("%w: the pipe does not tell the peer's process id", ErrBadHandle)
	}
	info, err := winpipe.DuplicateFor(h.s, pid)
	if err != nil {
		return 0, err
	}
	return t.writeFrame(b, &info, !h.listening)
}

// writev writes one frame per buffer, in one write.
func (t *pipeTransport) writev(bufs [][]byte) error {
	b := t.wbuf[:0]
	for _, m := range bufs {
		b = appendFrame(b, m, nil, false, true)
	}
	_, err := t.p.Write(b)
	t.wbuf = b
	if cap(b) > 4*maxCopyWrite {
		t.wbuf = nil
	}
	return mapClosed(err)
}

// tryWrite never writes: an overlapped pipe has no "take what fits now"
// write, and a part of a frame cannot be left for later. The caller queues
// the bytes for the writer instead.
func (t *pipeTransport) tryWrite([]byte) int { return 0 }

func (t *pipeTransport) interruptRead()  { t.p.SetReadDeadline(aLongTimeAgo) }
func (t *pipeTransport) resumeRead()     { t.p.SetReadDeadline(time.Time{}) }
func (t *pipeTransport) interruptWrite() { t.p.SetWriteDeadline(aLongTimeAgo) }
func (t *pipeTransport) resumeWrite()    { t.p.SetWriteDeadline(time.Time{}) }

func (t *pipeTransport) close() error {
	var err error
	t.closeOnce.Do(func() { err = t.p.Close() })
	return err
}
