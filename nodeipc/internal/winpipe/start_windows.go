//go:build windows

package winpipe

import (
	"fmt"
	"os"
	"sync/atomic"
	"syscall"
	"time"
	"unsafe"

	"golang.org/x/sys/windows"
)

var pipeCounter atomic.Uint64

// ChildPipe creates a channel pipe for a child process, as libuv does for
// an 'ipc' stdio slot: the parent's end (the server end of a new byte-mode
// named pipe, overlapped, not inheritable) and the child's end (the client
// end, overlapped, inheritable), already connected. The caller passes the
// child's end to StartProcess and closes it afterwards.
func ChildPipe() (*Pipe, windows.Handle, error) {
	name := fmt.Sprintf(`\\.\pipe\nodeipc-%d-%d-%x`, os.Getpid(), pipeCounter.Add(1), time.Now().UnixNano())
	name16, err := windows.UTF16PtrFromString(name)
	if err != nil {
		return nil, 0, err
	}
	sh, err := windows.CreateNamedPipe(name16,
		windows.PIPE_ACCESS_DUPLEX|windows.FILE_FLAG_OVERLAPPED|windows.FILE_FLAG_FIRST_PIPE_INSTANCE,
		windows.PIPE_TYPE_BYTE|windows.PIPE_READMODE_BYTE|windows.PIPE_WAIT|windows.PIPE_REJECT_REMOTE_CLIENTS,
		1, 65536, 65536, 0, nil)
	if err != nil {
		return nil, 0, os.NewSyscallError("CreateNamedPipe", err)
	}
	sa := &windows.SecurityAttributes{InheritHandle: 1}
	sa.Length = uint32(unsafe.Sizeof(*sa))
	ch, err := windows.CreateFile(name16, windows.GENERIC_READ|windows.GENERIC_WRITE, 0, sa,
		windows.OPEN_EXISTING, windows.FILE_FLAG_OVERLAPPED, 0)
	if err != nil {
		windows.CloseHandle(sh)
		return nil, 0, os.NewSyscallError("CreateFile", err)
	}
	p, err := NewPipe(sh)
	if err != nil {
		windows.CloseHandle(ch)
		return nil, 0, err
	}
	return p, ch, nil
}

// SetPeerPID records the process at the other end (the child a parent
// started: a server end's client is itself until then).
func (p *Pipe) SetPeerPID(pid uint32) { p.peerPID = pid }

// startupInfoEx is STARTUPINFOEXW with the C runtime's fields named.
type startupInfoEx struct {
	si   startupInfo
	attr *windows.ProcThreadAttributeList
}

// Process is a started child.
type Process struct {
	Pid    uint32
	Handle windows.Handle // the caller closes it
}

// StartProcess starts path with the command line argv (argv[0] included,
// quoted as the C runtime parses it), the environment env (nil: this
// process's), in dir ("" for the current directory). fds are the child's C
// runtime descriptors 0, 1, 2, 3, ...: each HANDLE (0 for none) is passed,
// and only these are inherited, and the child finds them through the
// inheritance block in STARTUPINFO.lpReserved2, as a child of libuv does.
// crtFlags holds each descriptor's flag byte (CRTOpen, CRTPipe, CRTDev).
func StartProcess(path string, argv []string, env []string, dir string, fds []windows.Handle, crtFlags []byte) (*Process, error) {
	path16, err := windows.UTF16PtrFromString(path)
	if err != nil {
		return nil, err
	}
	var cmdline string
	for i, a := range argv {
		if i > 0 {
			cmdline += " "
		}
		cmdline += syscall.EscapeArg(a)
	}
	cmd16, err := windows.UTF16PtrFromString(cmdline)
	if err != nil {
		return nil, err
	}
	var dir16 *uint16
	if dir != "" {
		if dir16, err = windows.UTF16PtrFromString(dir); err != nil {
			return nil, err
		}
	}
	var env16 *uint16
	if env != nil {
		var block []uint16
		for _, kv := range env {
			u, err := windows.UTF16FromString(kv)
			if err != nil {
				return nil, err
			}
			block = append(block, u...) // includes the terminating 0
		}
		block = append(block, 0)
		env16 = &block[0]
	}
	// Inheritable duplicates of every handle, listed explicitly so that no
	// other inheritable handle of this process reaches the child.
	self := windows.CurrentProcess()
	dups := make([]windows.Handle, len(fds))
	var list []windows.Handle
	defer func() {
		for _, d := range dups {
			if d != 0 {
				windows.CloseHandle(d)
			}
		}
	}()
	handles := make([]uint64, len(fds))
	flags := make([]byte, len(fds))
	for i, h := range fds {
		if h == 0 || h == windows.InvalidHandle {
			handles[i] = uint64(windows.InvalidHandle)
			continue
		}
		if err := windows.DuplicateHandle(self, h, self, &dups[i], 0, true, windows.DUPLICATE_SAME_ACCESS); err != nil {
			return nil, os.NewSyscallError("DuplicateHandle", err)
		}
		handles[i] = uint64(dups[i])
		flags[i] = crtFlags[i]
		list = append(list, dups[i])
	}
	block := AppendCRTBlock(nil, flags, handles)
	var six startupInfoEx
	six.si.Cb = uint32(unsafe.Sizeof(six))
	six.si.CbReserved2 = uint16(len(block))
	six.si.LpReserved2 = &block[0]
	six.si.Flags = windows.STARTF_USESTDHANDLES
	std := []*windows.Handle{&six.si.StdInput, &six.si.StdOutput, &six.si.StdErr}
	for i := range std {
		if i < len(dups) {
			*std[i] = dups[i]
		}
	}
	creation := uint32(windows.CREATE_UNICODE_ENVIRONMENT | windows.EXTENDED_STARTUPINFO_PRESENT)
	if len(list) > 0 {
		al, err := windows.NewProcThreadAttributeList(1)
		if err != nil {
			return nil, err
		}
		defer al.Delete()
		if err := al.Update(windows.PROC_THREAD_ATTRIBUTE_HANDLE_LIST, unsafe.Pointer(&list[0]), uintptr(len(list))*unsafe.Sizeof(list[0])); err != nil {
			return nil, err
		}
		six.attr = al.List()
	}
	var pi windows.ProcessInformation
	err = windows.CreateProcess(path16, cmd16, nil, nil, len(list) > 0, creation, env16, dir16,
		(*windows.StartupInfo)(unsafe.Pointer(&six)), &pi)
	if err != nil {
		return nil, os.NewSyscallError("CreateProcess", err)
	}
	windows.CloseHandle(pi.Thread)
	return &Process{Pid: pi.ProcessId, Handle: pi.Process}, nil
}
