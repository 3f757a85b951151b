package main

import (
	"context"
	"errors"
	"io"
	"net"
	"strings"
	"sync"

	"github.com/nodeipc/nodeipc-go/nodeipc"
)

// runServe serves every socket Node sends with a fixed reply: args joined by
// spaces. A net.Server is accepted on, and each connection gets the text and
// is closed; a net.Socket gets the text and is closed (if its message is
// "hold", once the peer has closed it); a dgram.Socket answers
// every datagram with the text. Plain messages are sent back unchanged. It
// returns 0 when the channel closes, closing whatever it still holds.
// Per-message errors are logged and skipped (see receive).
func runServe(ch *nodeipc.Channel, args []string, stderr io.Writer) int {
	s := &server{text: []byte(strings.Join(args, " ")), stderr: stderr}
	defer s.closeAll()
	return receive(ch, "serve", stderr, func(ctx context.Context, m *nodeipc.Message) error {
		switch h := m.Handle().(type) {
		case nil:
			return ch.SendRaw(ctx, m.Raw())
		case net.Listener:
			s.hold(h)
			go s.accept(h)
		case *net.UDPConn:
			s.hold(h)
			go s.datagrams(h)
		case net.Conn:
			if isHold(m) {
				go s.replyAndHold(h)
			} else {
				s.reply(h)
			}
		default:
			closeHandle(h) // a bound socket (net.Native): nothing to serve
		}
		return nil
	})
}

// server is the state of serve mode: the listeners and UDP sockets being
// served, closed when the channel ends.
type server struct {
	text   []byte
	stderr io.Writer
	mu     sync.Mutex
	held   []io.Closer
}

func (s *server) hold(c io.Closer) {
	s.mu.Lock()
	s.held = append(s.held, c)
	s.mu.Unlock()
}

func (s *server) closeAll() {
	s.mu.Lock()
	held := s.held
	s.held = nil
	s.mu.Unlock()
	for _, c := range held {
		c.Close()
	}
}

// reply writes the text and closes c. The client may already be gone (a
// socket closed in transit): that is not an error of ours.
func (s *server) reply(c net.Conn) {
	c.Write(s.text)
	c.Close()
}

// isHold reports whether a socket's message is the string "hold": the
// socket is then kept open after the text until the peer closes it, so the
// parent's socket list counts it meanwhile.
func isHold(m *nodeipc.Message) bool {
	var v string
	return m.Decode(&v) == nil && v == "hold"
}

// replyAndHold writes the text and closes c once the peer has closed its
// end (or the channel ends: closeAll closes every conn it holds).
func (s *server) replyAndHold(c net.Conn) {
	s.hold(c)
	c.Write(s.text)
	io.Copy(io.Discard, c)
	c.Close()
}

func (s *server) accept(ln net.Listener) {
	for {
		c, err := ln.Accept()
		if err != nil {
			var ne net.Error
			if errors.As(err, &ne) && ne.Timeout() {
				continue
			}
			return // closed
		}
		go s.reply(c)
	}
}

func (s *server) datagrams(u *net.UDPConn) {
	buf := make([]byte, 64<<10)
	for {
		_, from, err := u.ReadFromUDPAddrPort(buf)
		if err != nil {
			if errors.Is(err, net.ErrClosed) {
				return
			}
			continue
		}
		u.WriteToUDPAddrPort(s.text, from)
	}
}
