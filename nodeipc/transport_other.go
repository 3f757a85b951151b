//go:build !(darwin || freebsd || linux || netbsd || openbsd)

package nodeipc

import (
	"net"
	"os/exec"
	"time"
)

// This file stands in for a transport on every platform without one
// (Windows until its implementation lands, plan9, js/wasm, wasip1, and the
// Unix systems Node does not ship for): the package builds, and FromEnv,
// New and Start fail with errUnsupported. A new implementation provides the
// names below (see transport.go) and excludes its GOOS from this file's
// build constraint.

const transportSupported = false

type transport struct{}

func newTransport(*net.UnixConn) (*transport, error)                   { return nil, errUnsupported }
func inheritTransport(int) (*transport, error)                         { return nil, errUnsupported }
func closeChannelFD(int)                                               {}
func startTransport(*exec.Cmd, func(int) []string) (*transport, error) { return nil, errUnsupported }

func (*transport) setup(int, time.Duration) {}
func (*transport) read([]byte) (int, []rxHandle, bool, error, error) {
	return 0, nil, false, nil, errUnsupported
}
func (*transport) write([]byte) (int, error)                 { return 0, errUnsupported }
func (*transport) writeHandle([]byte, txHandle) (int, error) { return 0, errUnsupported }
func (*transport) writev([][]byte) error                     { return errUnsupported }
func (*transport) tryWrite([]byte) int                       { return 0 }
func (*transport) interruptRead()                            {}
func (*transport) resumeRead()                               {}
func (*transport) interruptWrite()                           {}
func (*transport) resumeWrite()                              {}
func (*transport) close() error                              { return nil }

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
