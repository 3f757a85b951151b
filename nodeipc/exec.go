package nodeipc

import (
	"fmt"
	"os/exec"
	"strconv"
	"strings"
)

// Start starts cmd with an IPC channel, as Node's child_process.fork()
// does, and returns the parent's end. The caller builds cmd (path, args,
// directory, stdio, environment) and must not have started it.
//
// Start creates an AF_UNIX stream socketpair, appends the child's end to
// cmd.ExtraFiles (so its number in the child is 3 + its index there: 3
// unless the caller added ExtraFiles), and sets NODE_CHANNEL_FD and
// NODE_CHANNEL_SERIALIZATION_MODE (from opts.Serialization) in cmd.Env,
// starting from cmd.Environ() when cmd.Env is nil and replacing inherited
// values. After cmd.Start it closes its copy of the child's end, so the
// channel reports a disconnect when the child exits.
//
// On Windows the channel is a named pipe, as libuv makes it, and Start
// creates the process itself (os/exec cannot pass the pipe in the C
// runtime's block of STARTUPINFO): cmd.Stdin, Stdout and Stderr must be
// nil or *os.File, cmd.SysProcAttr must be nil, and Start sets
// cmd.Process, so cmd.Wait works as usual.
//
// On platforms without Node IPC support it returns an error wrapping
// errors.ErrUnsupported and does not start cmd.
//
// The Channel and the process are separate: closing the Channel does not
// kill the child, and the caller still calls cmd.Wait.
func Start(cmd *exec.Cmd, opts *Options) (*Channel, error) {
	if cmd.Process != nil {
		return nil, fmt.Errorf("nodeipc: Start: command already started")
	}
	if err := opts.validate(); err != nil {
		return nil, err
	}
	mode := JSON
	if opts != nil {
		mode = opts.Serialization
	}
	t, err := startTransport(cmd, func(slot int) []string {
		env := cmd.Env
		if env == nil {
			env = cmd.Environ()
		}
		env = withoutVars(env, envChannelFDPrefix, envSerializationPrefix)
		return append(env, envChannelFDPrefix+strconv.Itoa(slot), envSerializationPrefix+mode.String())
	})
	if err != nil {
		return nil, err
	}
	ch, err := newChannel(t, opts)
	if err != nil {
		t.close()
		return nil, err
	}
	return ch, nil
}

// withoutVars returns env without the entries that start with any prefix.
func withoutVars(env []string, prefixes ...string) []string {
	out := make([]string, 0, len(env)+2)
next:
	for _, kv := range env {
		for _, p := range prefixes {
			if strings.HasPrefix(kv, p) {
				continue next
			}
		}
		out = append(out, kv)
	}
	return out
}
