package worker

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"os/signal"
	"syscall"
	"time"

	"github.com/nodeipc/nodeipc-go/nodeipc"
)

// DefaultShutdownTimeout bounds how long Run waits, after its function
// returned, for the messages still queued to be written.
const DefaultShutdownTimeout = 10 * time.Second

// DefaultMaxQueuedMessages is the nodeipc.Options.MaxQueuedMessages Run
// sets when its options leave it 0: a parent that keeps sending while the
// worker's handlers are busy cannot grow the process without bound. One
// 64 KiB read can queue up to 32,768 minimal messages, so the bound is well
// above that.
const DefaultMaxQueuedMessages = 1 << 16

// Run is a worker's main function: it opens the channel to the parent that
// forked this process (nodeipc.FromEnv with opts; nil means defaults and
// MaxQueuedMessages DefaultMaxQueuedMessages), calls fn with a context that
// ends when the channel ends or the process gets SIGINT or SIGTERM (a
// second signal kills it as usual), then shuts the channel down: every
// message sent or posted before is written (for at most
// DefaultShutdownTimeout), then the channel is closed and the parent sees
// 'disconnect'. It returns the exit code for os.Exit:
//
//   - 0 when fn returned nil, or the context's error once it ended (a
//     signal, or the channel's end);
//   - 1 when fn returned an error, or the shutdown failed (both printed on
//     standard error);
//   - 2 when the process has no channel (not started by Node with one) or
//     the channel cannot be opened (printed on standard error).
//
// Write `os.Exit(worker.Run(...))` as the whole of main: a deferred call in
// main does not run when main calls os.Exit, and Run itself never exits.
func Run(fn func(ctx context.Context, ch *nodeipc.Channel) error, opts *nodeipc.Options) int {
	return run(fn, opts, os.Stderr)
}

func run(fn func(ctx context.Context, ch *nodeipc.Channel) error, opts *nodeipc.Options, stderr io.Writer) int {
	var o nodeipc.Options
	if opts != nil {
		o = *opts
	}
	if o.MaxQueuedMessages == 0 {
		o.MaxQueuedMessages = DefaultMaxQueuedMessages
	}
	ch, err := nodeipc.FromEnv(&o)
	if err != nil {
		if errors.Is(err, nodeipc.ErrNoChannel) {
			fmt.Fprintf(stderr, "%s: no IPC channel: start this program from Node with child_process.fork() (execPath) or spawn() with an 'ipc' stdio slot\n", progName())
		} else {
			fmt.Fprintf(stderr, "%s: %v\n", progName(), err)
		}
		return 2
	}
	return runOn(ch, fn, stderr)
}

// runOn runs fn on an open channel and shuts it down.
func runOn(ch *nodeipc.Channel, fn func(ctx context.Context, ch *nodeipc.Channel) error, stderr io.Writer) int {
	ctx, stop := signal.NotifyContext(ch.Context(), os.Interrupt, syscall.SIGTERM)
	go func() {
		<-ctx.Done()
		stop() // a second signal takes the default action
	}()
	code := 0
	if err := fn(ctx, ch); err != nil && !(ctx.Err() != nil && errors.Is(err, ctx.Err())) {
		fmt.Fprintf(stderr, "%s: %v\n", progName(), err)
		code = 1
	}
	stop()
	sctx, cancel := context.WithTimeout(context.Background(), DefaultShutdownTimeout)
	defer cancel()
	if err := ch.Shutdown(sctx); err != nil && !endedNormally(err) {
		fmt.Fprintf(stderr, "%s: shutdown: %v\n", progName(), err)
		code = 1
	}
	return code
}

func progName() string {
	if len(os.Args) > 0 && os.Args[0] != "" {
		return baseName(os.Args[0])
	}
	return "worker"
}

func baseName(p string) string {
	for i := len(p) - 1; i >= 0; i-- {
		if p[i] == '/' || p[i] == '\\' {
			return p[i+1:]
		}
	}
	return p
}
