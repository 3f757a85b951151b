package nodeipc

import (
	"errors"
	"fmt"
	"os"
	"strconv"
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
// not a connected AF_UNIX stream socket (a listening socket is rejected
// too). On platforms without Node IPC support it returns an error wrapping
// errors.ErrUnsupported (and ErrNoChannel too when NODE_CHANNEL_FD is
// unset), and changes nothing.
//
// Like Node, FromEnv removes both variables from the environment, so that
// processes this one starts do not try to use the channel, and makes the
// channel close-on-exec, so that they do not inherit it. It does not touch
// NODE_UNIQUE_ID (see package cluster).
//
// When it fails, nothing is left for a child process to inherit: a
// descriptor that is a channel socket (AF_UNIX, stream, not listening) but
// cannot be used because NODE_CHANNEL_SERIALIZATION_MODE is malformed is
// closed, so that the parent sees the channel end as it would if a Node
// child failed at that point; a descriptor that is not a channel socket is
// not the channel and is left as it was.
//
// The returned Channel owns the descriptor. Call FromEnv once.
func FromEnv(opts *Options) (*Channel, error) {
	v, ok := os.LookupEnv(EnvChannelFD)
	if !transportSupported {
		if !ok || v == "" {
			// Both: a program that runs on its own outside Node still
			// finds ErrNoChannel.
			return nil, fmt.Errorf("%w (%w)", errUnsupported, ErrNoChannel)
		}
		return nil, errUnsupported
	}
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
		closeChannelFD(fd)
		return nil, &EnvError{Var: EnvSerializationMode, Value: modeStr, Err: err}
	}
	t, err := inheritTransport(fd)
	if errors.Is(err, errors.ErrUnsupported) {
		return nil, err
	}
	if err != nil {
		return nil, &EnvError{Var: EnvChannelFD, Value: v, Err: err}
	}
	var o Options
	if opts != nil {
		o = *opts
	}
	o.Serialization = mode
	c, err := newChannel(t, &o)
	if err != nil {
		t.close()
		return nil, err
	}
	return c, nil
}
