package nodeipc

import (
	"errors"
	"fmt"
	"net"
	"os"
	"strconv"

	"golang.org/x/sys/unix"
)

// Environment variables of Node's IPC bootstrap.
const (
	EnvChannelFD           = "NODE_CHANNEL_FD"
	EnvSerializationMode   = "NODE_CHANNEL_SERIALIZATION_MODE"
	EnvUniqueID            = "NODE_UNIQUE_ID" // set by cluster.fork()
	envChannelFDPrefix     = EnvChannelFD + "="
	envSerializationPrefix = EnvSerializationMode + "="
)

// FromEnv returns the channel to the parent that started this process with
// Node's child_process.fork() or spawn() with an 'ipc' stdio slot, as Node's
// own bootstrap finds it: NODE_CHANNEL_FD names the inherited descriptor and
// NODE_CHANNEL_SERIALIZATION_MODE the serialization (opts.Serialization is
// ignored). It returns ErrNoChannel when NODE_CHANNEL_FD is unset or empty,
// and an *EnvError when either variable is malformed or the descriptor is
// not a connected AF_UNIX stream socket.
//
// Like Node, FromEnv removes both variables from the environment, so that
// processes this one starts do not try to use the channel, and makes the
// channel close-on-exec, so that they do not inherit it. It does not touch
// NODE_UNIQUE_ID (see package cluster).
//
// The returned Channel owns the descriptor. Call FromEnv once.
func FromEnv(opts *Options) (*Channel, error) {
	v, ok := os.LookupEnv(EnvChannelFD)
	if !ok || v == "" {
		return nil, ErrNoChannel
	}
	modeStr := os.Getenv(EnvSerializationMode)
	os.Unsetenv(EnvChannelFD)
	os.Unsetenv(EnvSerializationMode)
	fd, err := strconv.Atoi(v)
	if err != nil || fd < 0 {
		return nil, &EnvError{Var: EnvChannelFD, Value: v, Err: errors.New("not a non-negative decimal integer")}
	}
	mode, err := ParseSerialization(modeStr)
	if err != nil {
		return nil, &EnvError{Var: EnvSerializationMode, Value: modeStr, Err: err}
	}
	conn, err := inheritConn(fd)
	if err != nil {
		return nil, &EnvError{Var: EnvChannelFD, Value: v, Err: err}
	}
	var o Options
	if opts != nil {
		o = *opts
	}
	o.Serialization = mode
	c, err := New(conn, &o)
	if err != nil {
		conn.Close()
		return nil, err
	}
	return c, nil
}

// inheritConn wraps an inherited channel descriptor. The descriptor itself
// is closed; the connection uses a close-on-exec duplicate registered with
// the netpoller.
func inheritConn(fd int) (*net.UnixConn, error) {
	info, err := inspectSocket(fd)
	if err != nil {
		return nil, err
	}
	if !info.socket || info.domain != unix.AF_UNIX || info.typ != unix.SOCK_STREAM {
		return nil, fmt.Errorf("descriptor %d is not an AF_UNIX SOCK_STREAM socket (%s)", fd, info)
	}
	unix.CloseOnExec(fd)
	f := os.NewFile(uintptr(fd), "nodeipc-channel")
	c, err := net.FileConn(f) // duplicates with CLOEXEC, sets O_NONBLOCK
	f.Close()
	if err != nil {
		return nil, err
	}
	uc, ok := c.(*net.UnixConn)
	if !ok {
		c.Close()
		return nil, fmt.Errorf("descriptor %d is a %T, not a Unix socket", fd, c)
	}
	return uc, nil
}
