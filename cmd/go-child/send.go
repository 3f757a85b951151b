package main

import (
	"context"
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
	return receive(ch, "send", stderr, func(ctx context.Context, m *nodeipc.Message) error {
		closeHandle(m.Handle()) // send mode serves nothing it is given
		var req request
		if m.Decode(&req) != nil || req.Op == "" {
			return ch.SendRaw(ctx, m.Raw())
		}
		if req.Op == "disconnect" {
			return ch.Close()
		}
		return sendRequested(ctx, ch, req)
	})
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
