//go:build windows

package nodeipc

import (
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"

	"github.com/nodeipc/nodeipc-go/internal/winpipe"
	"golang.org/x/sys/windows"
)

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
