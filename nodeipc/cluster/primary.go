package cluster

import (
	"context"
	"errors"
	"fmt"
	"net"
	"os/exec"
	"strconv"
	"strings"
	"sync"

	"github.com/nodeipc/nodeipc-go/nodeipc"
)

// Policy is a cluster scheduling policy, with Node's numeric values.
type Policy int

const (
	// SchedNone: the primary binds the socket and every worker listens and
	// accepts on it; the kernel spreads the connections.
	SchedNone Policy = 1
	// SchedRR: the primary listens, accepts, and hands connections to the
	// workers in turn (Node's default on Unix).
	SchedRR Policy = 2
)

// PrimaryOptions configures NewPrimary. A nil pointer means defaults.
type PrimaryOptions struct {
	// SchedulingPolicy is SchedRR (the default when zero) or SchedNone.
	// UDP is always served as a shared socket, as in Node.
	SchedulingPolicy Policy

	// Channel configures each worker's IPC channel. Its OnInternalMessage
	// must be nil: the primary handles internal messages itself.
	Channel *nodeipc.Options
}

// Primary is a Node.js cluster primary written in Go: it forks workers
// (Node scripts using `cluster`/`net.Server.listen`/`dgram`, or Go programs
// using Worker) and answers their requests for servers as Node's primary
// does:
//
//   - TCP (`listen(port, host)`, with `ipv6Only`) and Unix-domain sockets
//     (`listen(path)`) by the scheduling policy: under SchedRR the primary
//     listens and hands each connection to a worker in turn; under
//     SchedNone it sends a bound socket every worker listens on. A socket
//     path is bound by its shortest form (absolute or relative to the
//     working directory) and removed when the last worker closes it.
//   - UDP (`dgram` `bind()`): always one bound socket shared by every
//     worker, with `reuseAddr` and `ipv6Only` applied (flags).
//   - `listen({fd})`: the descriptor is the primary's own (as in Node); a
//     duplicate of it is served by the policy. A descriptor that is not a
//     TCP or Unix-domain stream socket is answered with EINVAL.
//
// Errors (EADDRINUSE, EACCES, …) are answered with the errno, which fails
// the worker's listen() or bind(). A Node worker's `exclusive: true`
// servers never reach the primary.
//
// Handle keys follow Node 22+: "<address>:<port>:<addressType>:<fd>", plus
// ":<index>" when the port is 0.
//
// The Primary owns the listening sockets it creates and the channels of the
// workers it forks (not the processes: call Child.Wait). Close releases
// them. All methods are safe for concurrent use.
type Primary struct {
	policy Policy
	chOpts nodeipc.Options

	mu       sync.Mutex // guards everything below and every Child's state
	seq      int64
	ids      int
	handles  map[string]primaryHandle
	children map[int]*Child
	closed   bool
	wg       sync.WaitGroup // accept loops, channel watchers
}

// NewPrimary returns a Primary. It starts nothing.
func NewPrimary(opts *PrimaryOptions) *Primary {
	p := &Primary{policy: SchedRR, handles: map[string]primaryHandle{}, children: map[int]*Child{}}
	if opts != nil {
		if opts.SchedulingPolicy == SchedNone {
			p.policy = SchedNone
		}
		if opts.Channel != nil {
			p.chOpts = *opts.Channel
		}
	}
	return p
}

// Policy returns the scheduling policy.
func (p *Primary) Policy() Policy { return p.policy }

// Fork starts cmd as a cluster worker, as cluster.fork() does: it sets
// NODE_UNIQUE_ID (the worker id, 1, 2, … per Primary) in cmd.Env (starting
// from cmd.Environ() when nil) and starts cmd with an IPC channel via
// nodeipc.Start. cmd must not have been started; ctx only bounds the start.
//
// The returned Child reports the worker's life (Online, Listening, Done,
// Wait). The caller must eventually call Child.Wait (or cmd.Wait) to reap
// the process.
func (p *Primary) Fork(ctx context.Context, cmd *exec.Cmd) (*Child, error) {
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	if p.chOpts.OnInternalMessage != nil {
		return nil, errors.New("cluster: PrimaryOptions.Channel.OnInternalMessage must be nil")
	}
	p.mu.Lock()
	if p.closed {
		p.mu.Unlock()
		return nil, net.ErrClosed
	}
	p.ids++
	id := p.ids
	p.mu.Unlock()

	env := cmd.Env
	if env == nil {
		env = cmd.Environ()
	}
	kept := env[:0:0]
	for _, kv := range env {
		if !strings.HasPrefix(kv, nodeipc.EnvUniqueID+"=") {
			kept = append(kept, kv)
		}
	}
	cmd.Env = append(kept, nodeipc.EnvUniqueID+"="+strconv.Itoa(id))

	c := &Child{
		p:         p,
		id:        id,
		cmd:       cmd,
		state:     "none",
		pending:   map[int64]func(*inMsg){},
		online:    make(chan struct{}),
		listening: make(chan struct{}),
		done:      make(chan struct{}),
		started:   make(chan struct{}),
	}
	o := p.chOpts
	o.OnInternalMessage = c.onInternal
	ch, err := nodeipc.Start(cmd, &o)
	if err != nil {
		return nil, err
	}
	c.ch = ch
	c.out.ch = ch
	close(c.started)
	p.mu.Lock()
	p.children[id] = c
	p.wg.Add(1)
	p.mu.Unlock()
	go c.watch()
	return c, nil
}

// Close closes the primary's listening sockets and connections not yet
// handed over, and closes every worker's channel (a Node worker whose
// channel closes unexpectedly exits). It does not wait for the processes.
func (p *Primary) Close() error {
	p.mu.Lock()
	p.closed = true
	for key, h := range p.handles {
		h.close()
		delete(p.handles, key)
	}
	children := make([]*Child, 0, len(p.children))
	for _, c := range p.children {
		children = append(children, c)
	}
	p.mu.Unlock()
	for _, c := range children {
		c.ch.Close()
	}
	p.wg.Wait()
	return nil
}

// nextSeq returns the next cluster seq, shared by all workers as in Node.
// p.mu must be held.
func (p *Primary) nextSeq() int64 {
	s := p.seq
	p.seq++
	return s
}

// send queues {cmd, kv..., seq} to c and registers cb for the reply. p.mu
// must be held.
func (c *Child) send(cb func(*inMsg), kv ...any) {
	seq := c.p.nextSeq()
	if cb != nil {
		c.pending[seq] = cb
	}
	c.out.push(outItem{kv: append(kv, "seq", seq)})
}

// ListenInfo is what a worker reports when one of its servers listens
// (Node's 'listening' event argument).
type ListenInfo struct {
	AddressType string // "4", "6", "-1", "udp4", "udp6"
	Address     string // "" for Node's null (every address)
	Port        int
}

// Child is a worker process forked by a Primary, as the primary sees it
// (Node's cluster.Worker in the primary). Safe for concurrent use.
type Child struct {
	p   *Primary
	id  int
	cmd *exec.Cmd
	ch  *nodeipc.Channel
	out outbox

	// guarded by p.mu
	state         string
	exitedAfter   bool
	pending       map[int64]func(*inMsg) // replies by the primary's seq
	listenInfo    ListenInfo
	online        chan struct{}
	listening     chan struct{}
	onlineOnce    sync.Once
	listeningOnce sync.Once

	started  chan struct{} // closed once ch and out are set
	done     chan struct{} // channel ended and the worker was removed
	waitOnce sync.Once
	waitErr  error
}

// ID returns the worker id (the NODE_UNIQUE_ID it was given).
func (c *Child) ID() int { return c.id }

// Cmd returns the worker's command.
func (c *Child) Cmd() *exec.Cmd { return c.cmd }

// Channel returns the IPC channel to the worker, for user messages
// (worker.send / worker.on('message')). The Primary owns it.
func (c *Child) Channel() *nodeipc.Channel { return c.ch }

// State returns Node's worker state: "none", "online", "listening",
// "disconnected".
func (c *Child) State() string {
	c.p.mu.Lock()
	defer c.p.mu.Unlock()
	return c.state
}

// ExitedAfterDisconnect reports whether the worker left on purpose: it
// sent exitedAfterDisconnect, or Disconnect was called.
func (c *Child) ExitedAfterDisconnect() bool {
	c.p.mu.Lock()
	defer c.p.mu.Unlock()
	return c.exitedAfter
}

// Online waits until the worker reported `online` ('online' in Node). It
// returns an error if the channel ends first or ctx ends.
func (c *Child) Online(ctx context.Context) error {
	select {
	case <-c.online:
		return nil
	case <-c.done:
		return fmt.Errorf("cluster: worker %d disconnected before online", c.id)
	case <-ctx.Done():
		return ctx.Err()
	}
}

// Listening waits until the worker reported its first `listening` and
// returns what it reported ('listening' in Node).
func (c *Child) Listening(ctx context.Context) (ListenInfo, error) {
	select {
	case <-c.listening:
		c.p.mu.Lock()
		defer c.p.mu.Unlock()
		return c.listenInfo, nil
	case <-c.done:
		return ListenInfo{}, fmt.Errorf("cluster: worker %d disconnected before listening", c.id)
	case <-ctx.Done():
		return ListenInfo{}, ctx.Err()
	}
}

// Done returns a channel closed when the worker's channel has ended ('disconnect'
// in Node); the worker's servers are then removed from the primary.
func (c *Child) Done() <-chan struct{} { return c.done }

// Disconnect asks the worker to leave, as worker.disconnect() does in Node:
// it marks exitedAfterDisconnect, sends `disconnect`, stops giving the
// worker connections, and waits until the worker closes the channel (a Node
// worker does so once its servers have closed) or ctx ends. Then it closes
// the primary's end.
func (c *Child) Disconnect(ctx context.Context) error {
	p := c.p
	p.mu.Lock()
	c.exitedAfter = true
	c.send(nil, "act", "disconnect")
	p.removeWorkerHandles(c)
	p.mu.Unlock()
	var err error
	select {
	case <-c.done:
	case <-ctx.Done():
		err = ctx.Err()
	}
	c.ch.Close()
	return err
}

// Wait waits for the worker process to exit (cmd.Wait) and returns its
// result; calling it again returns the same result.
func (c *Child) Wait() error {
	c.waitOnce.Do(func() { c.waitErr = c.cmd.Wait() })
	return c.waitErr
}

// watch removes the worker when its channel ends.
func (c *Child) watch() {
	defer c.p.wg.Done()
	<-c.ch.Done()
	p := c.p
	p.mu.Lock()
	c.state = "disconnected"
	p.removeWorkerHandles(c)
	pending := c.pending
	c.pending = map[int64]func(*inMsg){}
	delete(p.children, c.id)
	// Connections offered but not answered go to other workers.
	for _, cb := range pending {
		cb(&inMsg{})
	}
	p.mu.Unlock()
	close(c.done)
}

// onInternal runs on the worker channel's read goroutine.
func (c *Child) onInternal(m *nodeipc.Message) {
	<-c.started // the reader may start before Start returns
	in, ok := decode(m)
	if !ok {
		closeHandle(m.Handle())
		return
	}
	closeHandle(m.Handle()) // workers send no handles to the primary
	p := c.p
	p.mu.Lock()
	defer p.mu.Unlock()
	if in.Ack != nil {
		if cb := c.pending[*in.Ack]; cb != nil {
			delete(c.pending, *in.Ack)
			cb(&in)
			return
		}
	}
	switch in.Act {
	case "online":
		c.state = "online"
		c.onlineOnce.Do(func() { close(c.online) })
	case "queryServer":
		p.queryServer(c, &in)
	case "listening":
		c.state = "listening"
		info := ListenInfo{AddressType: jsString(in.AddressType)}
		if in.Address != nil {
			info.Address = *in.Address
		}
		if in.Port != nil {
			info.Port = int(*in.Port)
		}
		c.listeningOnce.Do(func() {
			c.listenInfo = info
			close(c.listening)
		})
	case "close":
		if in.Key != nil {
			if h := p.handles[*in.Key]; h != nil && h.remove(c) {
				delete(p.handles, *in.Key)
			}
		}
	case "exitedAfterDisconnect":
		c.exitedAfter = true
		if in.Seq != nil {
			c.send(nil, "ack", *in.Seq)
		}
	}
}

// removeWorkerHandles takes c out of every handle. p.mu must be held.
func (p *Primary) removeWorkerHandles(c *Child) {
	for key, h := range p.handles {
		if h.remove(c) {
			delete(p.handles, key)
		}
	}
}

// outItem is one message to a worker: a plain cluster message (kv) or a
// message with a handle (v, h).
type outItem struct {
	kv    []any
	v     any
	h     any         // a nodeipc.Handle
	onErr func(error) // handle not delivered
}

// outbox sends a worker's messages without waiting. The channel keeps them
// in order (a message posted after a handle waits until the handle's ACK),
// so nothing blocks the read goroutine. Errors come back on goroutines of
// their own: push runs with Primary.mu held, and onErr takes it.
type outbox struct {
	ch *nodeipc.Channel
}

func (o *outbox) push(it outItem) {
	if it.h == nil {
		o.ch.PostInternal(cmdCluster, it.kv...)
		return
	}
	h, ok := it.h.(nodeipc.Handle)
	var err error
	if !ok {
		err = fmt.Errorf("%w: %T", nodeipc.ErrBadHandle, it.h)
	} else {
		err = o.ch.PostHandle(it.v, h, &nodeipc.SendHandleOptions{Native: true}, func(err error) {
			if err != nil && it.onErr != nil {
				it.onErr(err)
			}
		})
	}
	if err != nil && it.onErr != nil {
		go it.onErr(err)
	}
}
