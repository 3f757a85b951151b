package worker

import (
	"context"
	"errors"
	"fmt"
	"os"
	"runtime/debug"
	"sync"

	"github.com/nodeipc/nodeipc-go/nodeipc"
)

// A Handler handles one message received on ch. It owns the handle that came
// with the message, if any (m.Handle()), and must close it. An error it
// returns is about that message: Serve reports it to Options.OnError and
// goes on, unless it is ErrStop. With Options.Concurrency above 1,
// ServeMessage is called from several goroutines at once and must be safe
// for that.
type Handler interface {
	ServeMessage(ctx context.Context, ch *nodeipc.Channel, m *nodeipc.Message) error
}

// HandlerFunc adapts a function to a Handler.
type HandlerFunc func(ctx context.Context, ch *nodeipc.Channel, m *nodeipc.Message) error

// ServeMessage calls f.
func (f HandlerFunc) ServeMessage(ctx context.Context, ch *nodeipc.Channel, m *nodeipc.Message) error {
	return f(ctx, ch, m)
}

// ErrStop, returned by a Handler (or wrapped), ends Serve normally: no
// further message is handed out, the handlers still running finish, and
// Serve returns nil. A worker returns it for its protocol's "exit" message.
var ErrStop = errors.New("worker: stop serving")

// Options configures Serve and ServeHTTP. A nil pointer means defaults.
type Options struct {
	// Concurrency is how many handlers may run at once. 0 means 1: messages
	// are handled one after the other, in order. Above 1, Serve takes the
	// next message as soon as a handler is free, so replies can come in
	// any order; the messages waiting meanwhile stay queued in the channel
	// (bounded by nodeipc.Options.MaxQueuedMessages).
	Concurrency int

	// OnError is called with every problem about one message: a message
	// the channel could not read (*nodeipc.ProtocolError,
	// *nodeipc.HandleError) and an error a handler returned. It may be
	// called from several goroutines at once. nil logs to standard error.
	OnError func(err error)
}

func (o *Options) concurrency() int {
	if o == nil || o.Concurrency <= 0 {
		return 1
	}
	return o.Concurrency
}

func (o *Options) report(err error) {
	if o != nil && o.OnError != nil {
		o.OnError(err)
		return
	}
	fmt.Fprintf(os.Stderr, "%s: %v\n", progName(), err)
}

// Serve receives the messages of ch and hands each to h, running at most
// Options.Concurrency handlers at once, until the channel ends, ctx ends or
// a handler returns ErrStop; then it waits for the handlers still running
// and returns. Handlers get a context that ends with ctx or the channel.
//
// What goes wrong with one message (it could not be read, its handler
// failed or panicked) is passed to Options.OnError and Serve goes on; a
// handler error once the channel has ended is not (the end is what Serve
// reports). Serve
// returns nil when the channel ended normally (the peer disconnected or
// exited, or ch was closed), ctx ended, or a handler stopped it; otherwise
// the error that ended the channel (such as nodeipc.ErrOverrun). It never
// closes ch.
func Serve(ctx context.Context, ch *nodeipc.Channel, h Handler, opts *Options) error {
	// Handlers get a context that also ends with the channel; the loop
	// itself runs until Messages ends, so that it sees why the channel
	// ended.
	hctx, cancel := context.WithCancel(ctx)
	defer cancel()
	defer context.AfterFunc(ch.Context(), cancel)()

	var wg sync.WaitGroup
	slots := make(chan struct{}, opts.concurrency())
	var stopOnce sync.Once
	stopped := make(chan struct{})
	handle := func(m *nodeipc.Message) {
		defer func() { <-slots }()
		err := safeServe(hctx, h, ch, m)
		switch {
		case err == nil:
		case errors.Is(err, ErrStop):
			stopOnce.Do(func() { close(stopped) })
		case ch.Err() != nil:
			// The channel ended under the handler: nobody to answer,
			// and the end itself is what Serve reports.
		default:
			opts.report(err)
		}
	}
	// acquire takes a handler slot before the next message is taken from
	// the channel, so that a stop leaves the messages not handled queued.
	acquire := func() bool {
		select {
		case slots <- struct{}{}:
		case <-stopped:
			return false
		case <-ctx.Done():
			return false
		}
		return !isDone(stopped) && ctx.Err() == nil
	}
	var final error
	if acquire() {
		for m, err := range ch.Messages(ctx) {
			if err != nil {
				if perMessage(err) {
					opts.report(err)
					continue
				}
				final = err // what broke the channel
				break
			}
			if opts.concurrency() == 1 {
				handle(m)
			} else {
				wg.Add(1)
				go func() {
					defer wg.Done()
					handle(m)
				}()
			}
			if !acquire() {
				break
			}
		}
	}
	wg.Wait()
	return final
}

func isDone(c <-chan struct{}) bool {
	select {
	case <-c:
		return true
	default:
		return false
	}
}

// safeServe runs h, turning a panic into an error.
func safeServe(ctx context.Context, h Handler, ch *nodeipc.Channel, m *nodeipc.Message) (err error) {
	defer func() {
		if r := recover(); r != nil {
			err = fmt.Errorf("worker: handler panicked: %v\n%s", r, debug.Stack())
		}
	}()
	return h.ServeMessage(ctx, ch, m)
}

// closeHandle closes a handle nobody takes.
func closeHandle(m *nodeipc.Message) {
	if h := m.Handle(); h != nil {
		h.Close()
	}
}
