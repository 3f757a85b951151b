//go:build !(darwin || freebsd || linux || netbsd || openbsd || windows)

package nodeipc

import (
	"net"
	"os/exec"
)

// This file stands in for a transport on every platform without one
// (plan9, js/wasm, wasip1, and the Unix systems Node does not ship for;
// Windows has transport_windows.go): the package builds, and FromEnv,
// New and Start fail with errUnsupported. A new implementation provides the
// constructors and handle types below, and a type implementing transport
// (see transport.go), and excludes its GOOS from this file's
// build constraint.

const transportSupported = false

// No constructor succeeds here, so no type implements transport.

func newTransport(*net.UnixConn) (transport, error)                   { return nil, errUnsupported }
func inheritTransport(int) (transport, error)                         { return nil, errUnsupported }
func closeChannelFD(int)                                              {}
func startTransport(*exec.Cmd, func(int) []string) (transport, error) { return nil, errUnsupported }
func pairTransports() (transport, transport, error)                   { return nil, nil, errUnsupported }

type rxHandle struct{}

func (rxHandle) close() error                      { return nil }
func (rxHandle) inspect() (sockInfo, error)        { return sockInfo{}, errUnsupported }
func (rxHandle) streamConn() net.Conn              { return nil }
func (rxHandle) conn() (net.Conn, error)           { return nil, errUnsupported }
func (rxHandle) listener() (net.Listener, error)   { return nil, errUnsupported }
func (rxHandle) packetConn() (*net.UDPConn, error) { return nil, errUnsupported }
func (rxHandle) connected() bool                   { return false }
func (rxHandle) unbound() (any, error)             { return nil, errUnsupported }

type txHandle struct{}

func (txHandle) close() error { return nil }

func dupHandle(any) (txHandle, sockInfo, error) { return txHandle{}, sockInfo{}, errUnsupported }
