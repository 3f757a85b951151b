//go:build !plan9

package cluster

import (
	"context"
	"errors"
	"net"
	"syscall"
	"testing"
)

func TestResolveQuery(t *testing.T) {
	for _, tc := range []struct {
		network, address string
		want             query
	}{
		{"tcp", ":8000", query{address: nil, port: 8000, addressType: 4}},
		{"tcp", "127.0.0.1:0", query{address: "127.0.0.1", addressType: 4}},
		{"tcp", "[::1]:80", query{address: "::1", port: 80, addressType: 6}},
		{"tcp4", ":1", query{address: "0.0.0.0", port: 1, addressType: 4}},
		{"tcp6", ":1", query{address: "::", port: 1, addressType: 6}},
	} {
		got, err := resolveQuery(context.Background(), tc.network, tc.address)
		if err != nil || got != tc.want {
			t.Errorf("resolveQuery(%q, %q) = %+v, %v; want %+v", tc.network, tc.address, got, err, tc.want)
		}
	}
	if got, err := resolveQuery(context.Background(), "unix", "/tmp/x.sock"); err != nil || got != (query{address: "/tmp/x.sock", port: -1, addressType: -1}) {
		t.Errorf("unix: %+v, %v", got, err)
	}
	if _, err := resolveQuery(context.Background(), "udp", ":1"); err == nil {
		t.Error("udp through resolveQuery: no error")
	}
}

func TestQueryKey(t *testing.T) {
	str := func(s string) *string { return &s }
	num := func(n int64) *int64 { return &n }
	for _, tc := range []struct {
		in   inMsg
		want string
	}{
		// Keys as Node 22+ primaries write them (captured from real runs).
		{inMsg{Address: str("/tmp/s.sock"), Port: num(-1), AddressType: float64(-1)}, "/tmp/s.sock:-1:-1:undefined"},
		{inMsg{FD: num(99)}, "null:null:null:99"},
		{inMsg{Address: str("0.0.0.0"), Port: num(0), AddressType: "udp4", FD: num(-1)}, "0.0.0.0:0:udp4:-1:0"},
		{inMsg{Address: str("::1"), Port: num(41234), AddressType: "udp6", FD: num(-1)}, "::1:41234:udp6:-1"},
		{inMsg{Address: str("::"), Port: num(0), AddressType: float64(6)}, ":::0:6:undefined:0"},
	} {
		if got := queryKey(&tc.in, 0); got != tc.want {
			t.Errorf("queryKey(%+v) = %q, want %q", tc.in, got, tc.want)
		}
	}
}

func TestJSString(t *testing.T) {
	var nilStr *string
	var nilInt *int64
	s, n := "127.0.0.1", int64(3)
	for _, tc := range []struct {
		v    any
		want string
	}{{nil, "null"}, {nilStr, "null"}, {&s, "127.0.0.1"}, {nilInt, "undefined"}, {&n, "3"}, {float64(4), "4"}, {"udp4", "udp4"}} {
		if got := jsString(tc.v); got != tc.want {
			t.Errorf("jsString(%#v) = %q, want %q", tc.v, got, tc.want)
		}
	}
}

func TestSocknameAndErrno(t *testing.T) {
	if got := *socknameOf(&net.TCPAddr{IP: net.IPv6zero, Port: 80}); got != (sockname{"::", "IPv6", 80}) {
		t.Errorf("sockname = %+v", got)
	}
	if got := *socknameOf(&net.TCPAddr{IP: net.IPv4(127, 0, 0, 1), Port: 1}); got != (sockname{"127.0.0.1", "IPv4", 1}) {
		t.Errorf("sockname = %+v", got)
	}
	err := &ListenError{Network: "tcp", Address: ":80", Errno: errnoOf(syscall.EADDRINUSE)}
	if err.Errno != -98 || !errors.Is(err, syscall.EADDRINUSE) {
		t.Errorf("ListenError %v does not unwrap to EADDRINUSE", err)
	}
}
