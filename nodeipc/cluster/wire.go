package cluster

import (
	"errors"
	"fmt"
	"net"
	"strconv"

	"github.com/nodeipc/nodeipc-go/nodeipc"
)

// cmdCluster is the internal command of every cluster message.
const cmdCluster = "NODE_CLUSTER"

// Errors reported by this package. Compare with errors.Is.
var (
	// ErrNotWorker reports that the process was not started by a cluster
	// primary: NODE_UNIQUE_ID is unset.
	ErrNotWorker = errors.New("cluster: not a cluster worker (NODE_UNIQUE_ID is not set)")

	// ErrDisconnectRequested is the reason Worker.Done closes when the
	// primary asked the worker to disconnect (worker.disconnect() in Node).
	ErrDisconnectRequested = errors.New("cluster: the primary asked this worker to disconnect")

	// ErrDisconnecting reports a Listen after the worker started leaving.
	ErrDisconnecting = errors.New("cluster: worker is disconnecting")
)

// ListenError is a listen failure reported by the primary: Errno is the
// negative libuv error number from the queryServer reply (on Linux, minus
// the errno value, e.g. -98 for EADDRINUSE).
type ListenError struct {
	Network, Address string
	Errno            int
}

func (e *ListenError) Error() string {
	return fmt.Sprintf("cluster: listen %s %s: primary replied errno %d (%v)", e.Network, e.Address, e.Errno, errnoError(-e.Errno))
}

// Unwrap returns the syscall.Errno, so that errors.Is(err,
// syscall.EADDRINUSE) works.
func (e *ListenError) Unwrap() error {
	if e.Errno < 0 {
		return errnoError(-e.Errno)
	}
	return nil
}

// inMsg holds the fields of any cluster message either side receives.
type inMsg struct {
	Cmd         string    `json:"cmd"`
	Act         string    `json:"act"`
	Seq         *int64    `json:"seq"`
	Ack         *int64    `json:"ack"`
	Key         *string   `json:"key"`
	Errno       *float64  `json:"errno"`
	Accepted    bool      `json:"accepted"`
	Data        any       `json:"data"`
	Sockname    *sockname `json:"sockname"`
	Index       *int64    `json:"index"`
	Address     *string   `json:"address"`
	Port        *int64    `json:"port"`
	AddressType any       `json:"addressType"` // 4, 6, -1, "udp4", "udp6"
	FD          *int64    `json:"fd"`
	Flags       *int64    `json:"flags"`
	Backlog     *int64    `json:"backlog"`
}

// decode reads a cluster message; ok is false for other internal messages
// and for cluster messages that cannot be decoded.
func decode(m *nodeipc.Message) (in inMsg, ok bool) {
	if err := m.Decode(&in); err != nil || in.Cmd != cmdCluster {
		return in, false
	}
	return in, true
}

// sockname is the address a round-robin primary reports, in Node's field
// order.
type sockname struct {
	Address string `json:"address"`
	Family  string `json:"family"`
	Port    int    `json:"port"`
}

func socknameOf(a net.Addr) *sockname {
	ta, ok := a.(*net.TCPAddr)
	if !ok {
		return nil
	}
	s := &sockname{Address: ta.IP.String(), Family: "IPv6", Port: ta.Port}
	if ta.IP == nil {
		s.Address = "::"
	} else if ta.IP.To4() != nil {
		s.Family = "IPv4"
	}
	return s
}

// newconnMsg is the primary's offer of a connection (inside NODE_HANDLE).
type newconnMsg struct {
	Cmd string `json:"cmd"`
	Act string `json:"act"`
	Key string `json:"key"`
	Seq int64  `json:"seq"`
}

// sharedReply answers queryServer with a shared handle (inside NODE_HANDLE).
type sharedReply struct {
	Cmd   string `json:"cmd"`
	Errno int    `json:"errno"`
	Key   string `json:"key"`
	Ack   int64  `json:"ack"`
	Data  any    `json:"data"`
	Seq   int64  `json:"seq"`
}

// errnoOf returns the negative libuv errno for err (Linux: -errno), or
// UV_EINVAL when err carries no errno.
func errnoOf(err error) int {
	if n, ok := errnoValue(err); ok {
		return -n
	}
	return -einval
}

// jsString renders v as JavaScript's template literals do for the values a
// handle key is made of.
func jsString(v any) string {
	switch x := v.(type) {
	case nil:
		return "null"
	case string:
		return x
	case *string:
		if x == nil {
			return "null"
		}
		return *x
	case *int64:
		if x == nil {
			return "undefined"
		}
		return strconv.FormatInt(*x, 10)
	case float64:
		return strconv.FormatFloat(x, 'f', -1, 64)
	case int64:
		return strconv.FormatInt(x, 10)
	case int:
		return strconv.Itoa(x)
	}
	return fmt.Sprint(v)
}
