//go:build darwin || freebsd || linux || netbsd || openbsd

package nodeipc_test

import (
	"errors"
	"net"
	"os"
	"path/filepath"
	"strconv"
	"testing"

	"github.com/nodeipc/nodeipc-go/nodeipc"
	"golang.org/x/sys/unix"
)

// fdOpen reports whether fd is an open descriptor of this process.
func fdOpen(fd int) bool {
	_, err := unix.FcntlInt(uintptr(fd), unix.F_GETFD, 0)
	return err == nil
}

// fromEnvWith runs FromEnv with NODE_CHANNEL_FD=fd and the given mode (not
// in parallel: it changes the process environment).
func fromEnvWith(t *testing.T, fd int, mode string) (*nodeipc.Channel, error) {
	t.Helper()
	t.Setenv(nodeipc.EnvChannelFD, strconv.Itoa(fd))
	t.Setenv(nodeipc.EnvSerializationMode, mode)
	ch, err := nodeipc.FromEnv(nil)
	for _, v := range []string{nodeipc.EnvChannelFD, nodeipc.EnvSerializationMode} {
		if _, ok := os.LookupEnv(v); ok {
			t.Errorf("%s still set after FromEnv", v)
		}
	}
	return ch, err
}

// A listening AF_UNIX socket is not a channel: *EnvError, and the socket is
// left open and unchanged for its owner.
func TestFromEnvRejectsListeningSocket(t *testing.T) {
	l, err := net.ListenUnix("unix", &net.UnixAddr{Name: filepath.Join(t.TempDir(), "l.sock"), Net: "unix"})
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	f, err := l.File() // a duplicate with its own number
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	fd := int(f.Fd())
	ch, err := fromEnvWith(t, fd, "json")
	var ee *nodeipc.EnvError
	if !errors.As(err, &ee) || ee.Var != nodeipc.EnvChannelFD {
		if ch != nil {
			ch.Close()
		}
		t.Fatalf("FromEnv over a listening socket: %v, want *EnvError for %s", err, nodeipc.EnvChannelFD)
	}
	if !fdOpen(fd) {
		t.Fatal("the listening socket was closed")
	}
	if acc, err := unix.GetsockoptInt(fd, unix.SOL_SOCKET, unix.SO_ACCEPTCONN); err != nil || acc == 0 {
		t.Fatalf("the socket no longer listens: %d, %v", acc, err)
	}
}

// A malformed NODE_CHANNEL_SERIALIZATION_MODE with a real channel socket:
// *EnvError, and the descriptor is closed (nothing left to inherit; the
// parent sees the channel end).
func TestFromEnvBadModeClosesChannel(t *testing.T) {
	fds, err := unix.Socketpair(unix.AF_UNIX, unix.SOCK_STREAM, 0) // inheritable, as a child gets it
	if err != nil {
		t.Fatal(err)
	}
	defer unix.Close(fds[1])
	closed := false
	defer func() {
		if !closed {
			unix.Close(fds[0])
		}
	}()
	ch, err := fromEnvWith(t, fds[0], "yaml")
	var ee *nodeipc.EnvError
	if !errors.As(err, &ee) || ee.Var != nodeipc.EnvSerializationMode {
		if ch != nil {
			ch.Close()
		}
		t.Fatalf("FromEnv with mode yaml: %v, want *EnvError for %s", err, nodeipc.EnvSerializationMode)
	}
	if fdOpen(fds[0]) {
		flags, _ := unix.FcntlInt(uintptr(fds[0]), unix.F_GETFD, 0)
		t.Fatalf("channel descriptor still open (FD_CLOEXEC=%v)", flags&unix.FD_CLOEXEC != 0)
	}
	closed = true
	var b [1]byte
	if n, err := unix.Read(fds[1], b[:]); n != 0 || err != nil {
		t.Fatalf("parent end read %d, %v; want EOF", n, err)
	}
}

// A malformed mode with a descriptor that is not a channel socket (here a
// pipe): *EnvError, and the descriptor is not ours to close.
func TestFromEnvBadModeLeavesOtherDescriptors(t *testing.T) {
	r, w, err := os.Pipe()
	if err != nil {
		t.Fatal(err)
	}
	defer r.Close()
	defer w.Close()
	before, _ := unix.FcntlInt(r.Fd(), unix.F_GETFD, 0)
	_, err = fromEnvWith(t, int(r.Fd()), "yaml")
	var ee *nodeipc.EnvError
	if !errors.As(err, &ee) {
		t.Fatalf("FromEnv: %v, want *EnvError", err)
	}
	after, err := unix.FcntlInt(r.Fd(), unix.F_GETFD, 0)
	if err != nil || after != before {
		t.Fatalf("pipe descriptor changed: flags %#x -> %#x, %v", before, after, err)
	}
}

// A descriptor that is not a socket at all, with a good mode: *EnvError.
func TestFromEnvRejectsNonSocket(t *testing.T) {
	r, w, err := os.Pipe()
	if err != nil {
		t.Fatal(err)
	}
	defer r.Close()
	defer w.Close()
	_, err = fromEnvWith(t, int(r.Fd()), "json")
	var ee *nodeipc.EnvError
	if !errors.As(err, &ee) || ee.Var != nodeipc.EnvChannelFD {
		t.Fatalf("FromEnv over a pipe: %v, want *EnvError for %s", err, nodeipc.EnvChannelFD)
	}
	if !fdOpen(int(r.Fd())) {
		t.Fatal("pipe closed")
	}
}
