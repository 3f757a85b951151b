//go:build darwin || freebsd || linux || netbsd || openbsd

package tap

import (
	"errors"
	"fmt"
	"io"
	"os"
	"os/exec"
	"os/signal"
	"strconv"
	"syscall"
	"time"

	"golang.org/x/sys/unix"
)

// forwarded are the signals the tap passes on to the child. (A terminal's
// Ctrl-C reaches both processes of the group, so the child sees SIGINT
// twice then, as under any forwarding wrapper.)
var forwarded = []os.Signal{
	unix.SIGHUP, unix.SIGINT, unix.SIGQUIT, unix.SIGTERM, unix.SIGUSR1,
	unix.SIGUSR2, unix.SIGWINCH, unix.SIGALRM, unix.SIGCONT,
}

// flushEvery is how often buffered log entries are written.
const flushEvery = 100 * time.Millisecond

// Main runs the command line args (without the program name) and returns
// the tap's exit status: the child's, or 128+n when signal n ended it;
// 2 for a bad command line, 126 or 127 when the command cannot be run.
// Diagnostics go to stderr, entries to the log.
//
// With NODE_CHANNEL_FD in the environment, the tap takes that channel,
// starts the command with a new channel of the same mode on the same
// descriptor number (and otherwise the same environment and descriptors),
// and relays between the two until the child exits. Without it, it runs
// the command with no channel and nothing to log.
func Main(args []string, stderr io.Writer) int {
	// Inherited descriptors (not close-on-exec) are passed on; look before
	// anything else opens one.
	inherited := inheritedFDs()
	cfg, err := ParseArgs(args)
	if err != nil {
		fmt.Fprintln(stderr, "nodeipc-tap:", err)
		return 2
	}
	path, err := exec.LookPath(cfg.Command[0])
	if err != nil {
		fmt.Fprintln(stderr, "nodeipc-tap:", err)
		if errors.Is(err, exec.ErrNotFound) || errors.Is(err, os.ErrNotExist) {
			return 127
		}
		return 126
	}
	var logw io.Writer = stderr
	if cfg.Log != "" && cfg.Log != "-" {
		f, err := os.OpenFile(cfg.Log, os.O_WRONLY|os.O_CREATE|os.O_APPEND, 0o644)
		if err != nil {
			fmt.Fprintln(stderr, "nodeipc-tap:", err)
			return 2
		}
		defer f.Close()
		logw = f
	}
	log := NewLogger(logw, cfg.Format)
	defer log.Flush()
	// The relays only buffer entries (a write per frame would cost a
	// system call per message); the log is written every flushEvery, when
	// 64 KiB are buffered, at each end of stream and at exit.
	stopFlush := make(chan struct{})
	defer close(stopFlush)
	go func() {
		tick := time.NewTicker(flushEvery)
		defer tick.Stop()
		for {
			select {
			case <-tick.C:
				log.Flush()
			case <-stopFlush:
				return
			}
		}
	}()

	t, err := setup(inherited)
	if err != nil {
		fmt.Fprintln(stderr, "nodeipc-tap:", err)
		return 2
	}
	sigs := make(chan os.Signal, 16)
	signal.Notify(sigs, forwarded...)
	defer signal.Stop(sigs)
	proc, err := os.StartProcess(path, cfg.Command, &os.ProcAttr{Env: os.Environ(), Files: t.files})
	if t.childEnd != nil {
		t.childEnd.Close()
	}
	if err != nil {
		fmt.Fprintln(stderr, "nodeipc-tap:", err)
		if t.parent >= 0 {
			unix.Close(t.parent)
			unix.Close(t.child)
		}
		return 126
	}
	go func() {
		for s := range sigs {
			proc.Signal(s)
		}
	}()

	var upDone chan struct{}
	if t.parent >= 0 {
		log.Log(&Entry{Time: time.Now(), Event: EventStart, Pid: proc.Pid, Command: cfg.Command, Mode: t.mode.String()})
		down := &relay{src: t.parent, dst: t.child, dir: ToChild, mode: t.mode, pid: proc.Pid, max: cfg.Max, log: log, now: time.Now}
		up := &relay{src: t.child, dst: t.parent, dir: ToParent, mode: t.mode, pid: proc.Pid, max: cfg.Max, log: log, now: time.Now}
		upDone = make(chan struct{})
		go down.run()
		go func() { up.run(); close(upDone) }()
	}
	state, err := proc.Wait()
	if err != nil {
		fmt.Fprintln(stderr, "nodeipc-tap:", err)
		return 1
	}
	status, sig := exitStatus(state)
	if upDone != nil {
		// Relay what the child wrote before it exited, then end the
		// parent's channel. (SHUT_RD ends the read once the queued data
		// is read, even if a process the child started still holds the
		// channel.)
		unix.Shutdown(t.child, unix.SHUT_RD)
		<-upDone
		e := Entry{Time: time.Now(), Event: EventExit, Pid: proc.Pid, Status: status}
		if sig != 0 {
			e.Signal = unix.SignalName(sig)
		}
		log.Log(&e)
		unix.Close(t.parent)
	}
	return status
}

// exitStatus returns the status to exit with and the signal that ended
// the child, if one did.
func exitStatus(state *os.ProcessState) (int, syscall.Signal) {
	if ws, ok := state.Sys().(syscall.WaitStatus); ok && ws.Signaled() {
		return 128 + int(ws.Signal()), ws.Signal()
	}
	return state.ExitCode(), 0
}

// tapSetup is the plumbing for the child: its descriptors and the
// relay's two sockets (-1 without a channel).
type tapSetup struct {
	files         []*os.File
	childEnd      *os.File // the child's end of the new pair (closed here once it started)
	parent, child int      // the relay's ends
	mode          Mode
}

// setup takes the channel named by NODE_CHANNEL_FD and makes the child's:
// a new socket pair whose far end the child gets at the same number.
func setup(inherited map[int]bool) (*tapSetup, error) {
	t := &tapSetup{parent: -1, child: -1}
	s, ok := os.LookupEnv("NODE_CHANNEL_FD")
	n := 2
	k := -1
	if ok {
		var err error
		if k, err = strconv.Atoi(s); err != nil || k < 0 {
			return nil, fmt.Errorf("NODE_CHANNEL_FD=%q is not a descriptor number", s)
		}
		if t.mode, err = ParseMode(os.Getenv("NODE_CHANNEL_SERIALIZATION_MODE")); err != nil {
			return nil, err
		}
		if typ, err := unix.GetsockoptInt(k, unix.SOL_SOCKET, unix.SO_TYPE); err != nil || typ != unix.SOCK_STREAM {
			return nil, fmt.Errorf("NODE_CHANNEL_FD=%d is not a stream socket", k)
		}
		n = max(n, k)
	}
	t.files = make([]*os.File, n+1)
	for i := range t.files {
		switch {
		case i <= 2 && i != k:
			t.files[i] = []*os.File{os.Stdin, os.Stdout, os.Stderr}[i]
		case inherited[i] && i != k:
			t.files[i] = os.NewFile(uintptr(i), "inherited")
		}
	}
	if k < 0 {
		return t, nil
	}
	syscall.ForkLock.RLock()
	pair, err := unix.Socketpair(unix.AF_UNIX, unix.SOCK_STREAM, 0)
	if err == nil {
		unix.CloseOnExec(pair[0])
		unix.CloseOnExec(pair[1])
	}
	syscall.ForkLock.RUnlock()
	if err != nil {
		return nil, fmt.Errorf("socketpair: %w", err)
	}
	unix.CloseOnExec(k) // the child gets the new pair's end in its place
	unix.SetNonblock(k, false)
	t.parent, t.child = k, pair[0]
	t.childEnd = os.NewFile(uintptr(pair[1]), "channel")
	t.files[k] = t.childEnd
	return t, nil
}

// inheritedFDs lists the descriptors from 3 to 63 that are open and not
// close-on-exec: what this process inherited for its child.
func inheritedFDs() map[int]bool {
	m := map[int]bool{}
	for fd := 3; fd < 64; fd++ {
		flags, err := unix.FcntlInt(uintptr(fd), unix.F_GETFD, 0)
		if err == nil && flags&unix.FD_CLOEXEC == 0 {
			m[fd] = true
		}
	}
	return m
}
