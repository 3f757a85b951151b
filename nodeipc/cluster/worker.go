package cluster

import (
	"context"
	"errors"
	"fmt"
	"net"
	"os"
	"strconv"
	"sync"

	"github.com/nodeipc/nodeipc-go/nodeipc"
)

// WorkerOptions configures NewWorker. A nil pointer means defaults.
type WorkerOptions struct {
	// Channel configures the IPC channel (its Serialization is taken from
	// the environment, as in nodeipc.FromEnv). Its OnInternalMessage must
	// be nil: the worker handles internal messages itself.
	Channel *nodeipc.Options

	// NodeMajor is the Node.js major version whose worker messages to
	// copy where versions differ (0 means the newest): Node 18 and 20 send
	// no `flags` in the queryServer of a listen(port) without a host;
	// Node 22 and later send flags 0.
	NodeMajor int
}

// Worker is this process's membership in a Node.js cluster: what
// `cluster.worker` is to a Node worker. It is created once per process with
// NewWorker.
//
// Lifecycle: the worker is online as soon as NewWorker returns. Listen
// asks the primary for listening sockets. Done is closed when the worker
// must stop: the primary sent `disconnect` (Err returns
// ErrDisconnectRequested; every listener has then been closed, which told
// the primary) or the channel to the primary ended. The program then lets
// open connections finish and calls Close, which closes the channel; the
// primary sees 'disconnect'. To leave on its own, the program calls
// Disconnect.
//
// All methods are safe for concurrent use.
type Worker struct {
	id int
	ch *nodeipc.Channel

	mu        sync.Mutex
	seq       int64
	pending   map[int64]func(*nodeipc.Message, *inMsg) // replies by our seq
	servers   map[string]workerServer                  // by primary's key
	indexes   map[string]int64                         // next index per address
	leaving   bool                                     // exitedAfterDisconnect
	nodeMajor int
	reason    error
	done      chan struct{}
	doneOnce  sync.Once
	watch     chan struct{} // closed when the channel watcher exits
}

// NewWorker joins the cluster of the Node.js primary that forked this
// process: it reads (and, as Node does, removes) NODE_UNIQUE_ID, opens the
// IPC channel with nodeipc.FromEnv and sends `online`. It returns
// ErrNotWorker when NODE_UNIQUE_ID is unset, and nodeipc.FromEnv's errors
// when the channel cannot be opened. Call it once per process.
//
// The Worker owns the channel; Close or Disconnect closes it.
func NewWorker(opts *WorkerOptions) (*Worker, error) {
	idStr, ok := os.LookupEnv(nodeipc.EnvUniqueID)
	if !ok {
		return nil, ErrNotWorker
	}
	os.Unsetenv(nodeipc.EnvUniqueID)
	id, _ := strconv.Atoi(idStr) // Node: +NODE_UNIQUE_ID | 0
	var co nodeipc.Options
	if opts != nil && opts.Channel != nil {
		co = *opts.Channel
	}
	if co.OnInternalMessage != nil {
		return nil, errors.New("cluster: WorkerOptions.Channel.OnInternalMessage must be nil")
	}
	w := &Worker{
		id:      id,
		pending: make(map[int64]func(*nodeipc.Message, *inMsg)),
		servers: make(map[string]workerServer),
		indexes: make(map[string]int64),
		done:    make(chan struct{}),
		watch:   make(chan struct{}),
	}
	if opts != nil {
		w.nodeMajor = opts.NodeMajor
	}
	co.OnInternalMessage = w.onInternal
	ch, err := nodeipc.FromEnv(&co)
	if err != nil {
		return nil, err
	}
	w.ch = ch
	go w.watchChannel()
	w.send(nil, "act", "online")
	return w, nil
}

// ID returns the worker id the primary assigned (cluster.worker.id).
func (w *Worker) ID() int { return w.id }

// Channel returns the IPC channel to the primary, for user messages:
// Send/Recv here are `process.send` / `process.on('message')` in the
// worker and `worker.send` / `worker.on('message')` in the primary. The
// Worker owns it: do not Close it directly, use Worker.Close.
func (w *Worker) Channel() *nodeipc.Channel { return w.ch }

// Done returns a channel that is closed when the worker should stop: the
// primary asked it to disconnect, the channel to the primary ended, or
// Close/Disconnect was called. Err tells which.
func (w *Worker) Done() <-chan struct{} { return w.done }

// Err returns nil while Done is open, then ErrDisconnectRequested when the
// primary asked the worker to disconnect, the channel's error when the
// channel ended (a Node worker exits at once in that case), or
// net.ErrClosed after Close or Disconnect.
func (w *Worker) Err() error {
	select {
	case <-w.done:
	default:
		return nil
	}
	w.mu.Lock()
	defer w.mu.Unlock()
	return w.reason
}

// ExitedAfterDisconnect reports whether the worker is leaving on purpose:
// the primary sent `disconnect` or Disconnect was called.
func (w *Worker) ExitedAfterDisconnect() bool {
	w.mu.Lock()
	defer w.mu.Unlock()
	return w.leaving
}

func (w *Worker) finish(reason error) {
	w.doneOnce.Do(func() {
		w.mu.Lock()
		w.reason = reason
		w.mu.Unlock()
		close(w.done)
	})
}

// watchChannel ends the worker when the channel to the primary ends.
func (w *Worker) watchChannel() {
	defer close(w.watch)
	<-w.ch.Done()
	w.finish(w.ch.Err())
	w.closeListeners(false)
	w.mu.Lock()
	clear(w.pending)
	w.mu.Unlock()
}

// send posts a cluster message {cmd, kv..., seq} and registers cb for its
// reply. Like Node, it sends nothing when the channel is not connected.
func (w *Worker) send(cb func(*nodeipc.Message, *inMsg), kv ...any) int64 {
	w.mu.Lock()
	defer w.mu.Unlock()
	seq := w.seq
	w.seq++
	if cb != nil {
		w.pending[seq] = cb
	}
	if err := w.ch.PostInternal(cmdCluster, append(kv, "seq", seq)...); err != nil && cb != nil {
		delete(w.pending, seq)
	}
	return seq
}

// onInternal runs on the channel's read goroutine.
func (w *Worker) onInternal(m *nodeipc.Message) {
	in, ok := decode(m)
	if !ok {
		closeHandle(m.Handle())
		return
	}
	if in.Ack != nil {
		w.mu.Lock()
		cb := w.pending[*in.Ack]
		delete(w.pending, *in.Ack)
		w.mu.Unlock()
		if cb != nil {
			cb(m, &in)
			return
		}
	}
	switch in.Act {
	case "newconn":
		w.onNewconn(m, &in)
	case "disconnect":
		w.mu.Lock()
		w.leaving = true
		w.mu.Unlock()
		w.closeListeners(true)
		w.finish(ErrDisconnectRequested)
	default:
		closeHandle(m.Handle())
	}
}

// onNewconn accepts a round-robin connection if a listener for its key is
// open, and answers at once: the primary offers this worker nothing more
// on that handle until it gets the reply.
func (w *Worker) onNewconn(m *nodeipc.Message, in *inMsg) {
	conn, _ := m.Handle().(net.Conn)
	var l *Listener
	if in.Key != nil {
		w.mu.Lock()
		l, _ = w.servers[*in.Key].(*Listener)
		w.mu.Unlock()
	}
	accepted := conn != nil && l != nil && l.push(conn)
	if in.Seq != nil {
		w.send(nil, "ack", *in.Seq, "accepted", accepted)
	}
	if !accepted {
		closeHandle(m.Handle())
	}
}

// closeListeners closes every listener; notify says whether to tell the
// primary (`close` per server).
func (w *Worker) closeListeners(notify bool) {
	w.mu.Lock()
	ls := make([]workerServer, 0, len(w.servers))
	for _, l := range w.servers {
		ls = append(ls, l)
	}
	w.mu.Unlock()
	for _, l := range ls {
		l.close(notify)
	}
}

// Disconnect leaves the cluster voluntarily, as `cluster.worker.disconnect()`
// does in Node: it closes every listener (telling the primary), sends
// `exitedAfterDisconnect`, waits for the primary's acknowledgement (or ctx,
// or the end of the channel), then closes the channel. The primary then
// sees 'disconnect' with exitedAfterDisconnect true. Connections already
// accepted are not touched: shut your servers down first to let them
// finish (http.Server.Shutdown).
func (w *Worker) Disconnect(ctx context.Context) error {
	w.mu.Lock()
	w.leaving = true
	w.mu.Unlock()
	w.closeListeners(true)
	acked := make(chan struct{})
	w.send(func(*nodeipc.Message, *inMsg) { close(acked) }, "act", "exitedAfterDisconnect")
	var err error
	select {
	case <-acked:
	case <-w.ch.Done():
		err = fmt.Errorf("cluster: disconnect: %w", w.ch.Err())
	case <-ctx.Done():
		err = ctx.Err()
	}
	if cerr := w.Close(); err == nil {
		err = cerr
	}
	return err
}

// Close closes every listener (telling the primary, if the channel is still
// open) and the channel. Call it after Done is closed and open connections
// have finished, or at any time to leave abruptly; the primary sees
// 'disconnect'. It is idempotent.
func (w *Worker) Close() error {
	w.closeListeners(true)
	err := w.ch.Close()
	<-w.watch
	w.finish(net.ErrClosed)
	return err
}

func closeHandle(h any) {
	if c, ok := h.(interface{ Close() error }); ok {
		c.Close()
	}
}
