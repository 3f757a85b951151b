package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"net/netip"

	"github.com/nodeipc/nodeipc-go/nodeipc"
)

// request is what the parent asks of send mode.
type request struct {
	Op   string `json:"op"`
	Port int    `json:"port"`
}

// runSend is the conformance kit's send mode: it creates sockets on the
// parent's request and sends them to it, so the direction Go → Node of
// every handle type can be graded.
//
//	{"op":"socket","port":P}  connect to 127.0.0.1:P, send the connection
//	                          with {"op":"socket"} (moved: closed here
//	                          once Node acknowledged it)
//	{"op":"server"}           listen on 127.0.0.1:0, send the listener with
//	                          {"op":"server","port":P}, then close this copy
//	{"op":"dgram"}            bind UDP 127.0.0.1:0, send it with
//	                          {"op":"dgram","port":P}, then close this copy
//	{"op":"disconnect"}       close the channel and exit 0
//
// Any other message is sent back unchanged.
func runSend(ch *nodeipc.Channel, _ []string, stderr io.Writer) int {
	ctx := context.Background()
	for {
		m, err := ch.Recv(ctx)
		if err != nil {
			if errors.Is(err, nodeipc.ErrDisconnected) || errors.Is(err, net.ErrClosed) {
				return 0
			}
			var perr *nodeipc.ProtocolError
			var herr *nodeipc.HandleError
			if errors.As(err, &perr) || errors.As(err, &herr) {
				fmt.Fprintf(stderr, "go-child: send: %v\n", err)
				continue
			}
			fmt.Fprintf(stderr, "go-child: send: %v\n", err)
			return 1
		}
		if c, ok := m.Handle().(io.Closer); ok {
			c.Close() // send mode serves nothing it is given
		}
		var req request
		if m.Decode(&req) != nil || req.Op == "" {
			if err := ch.SendRaw(ctx, m.Raw()); err != nil {
				return exitFor(err, stderr)
			}
			continue
		}
		if req.Op == "disconnect" {
			if err := ch.Close(); err != nil {
				fmt.Fprintf(stderr, "go-child: send: %v\n", err)
				return 1
			}
			return 0
		}
		if err := sendRequested(ctx, ch, req); err != nil {
			if errors.Is(err, nodeipc.ErrDisconnected) {
				return 0
			}
			fmt.Fprintf(stderr, "go-child: send %s: %v\n", req.Op, err)
		}
	}
}

// sendRequested creates the socket req asks for and sends it to the parent.
func sendRequested(ctx context.Context, ch *nodeipc.Channel, req request) error {
	loopback := netip.AddrPortFrom(netip.MustParseAddr("127.0.0.1"), uint16(req.Port))
	switch req.Op {
	case "socket":
		c, err := net.DialTCP("tcp", nil, net.TCPAddrFromAddrPort(loopback))
		if err != nil {
			return err
		}
		return ch.SendHandle(ctx, map[string]string{"op": "socket"}, c, nil)
	case "server":
		ln, err := net.ListenTCP("tcp", net.TCPAddrFromAddrPort(loopback))
		if err != nil {
			return err
		}
		defer ln.Close()
		port := ln.Addr().(*net.TCPAddr).Port
		return ch.SendHandle(ctx, map[string]any{"op": "server", "port": port}, ln, nil)
	case "dgram":
		u, err := net.ListenUDP("udp4", net.UDPAddrFromAddrPort(loopback))
		if err != nil {
			return err
		}
		defer u.Close()
		port := u.LocalAddr().(*net.UDPAddr).Port
		return ch.SendHandle(ctx, map[string]any{"op": "dgram", "port": port}, u, nil)
	}
	return fmt.Errorf("unknown op %q", req.Op)
}

// exitFor maps a send error to send mode's exit code.
func exitFor(err error, stderr io.Writer) int {
	if errors.Is(err, nodeipc.ErrDisconnected) {
		return 0
	}
	fmt.Fprintf(stderr, "go-child: send: %v\n", err)
	return 1
}
