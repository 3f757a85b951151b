//go:build darwin || freebsd || linux || netbsd || openbsd

package nodeipc

import (
	"bytes"
	"context"
	"net"
	"os"
	"strconv"
	"syscall"
	"testing"
	"time"
)

// Benchmarks of the codec, the framing and the whole channel. Run with
//
//	go test -run '^$' -bench . -benchmem ./nodeipc
//
// allocs/op is per message (per round trip for the ping-pong ones). They
// assert nothing about time; bench/ measures the channel against Node.

type benchMsg struct {
	Seq int    `json:"seq"`
	P   string `json:"p"`
}

func BenchmarkJSONEncodeSmall(b *testing.B) {
	var cd jsonCodec
	m := benchMsg{Seq: 12345, P: "xxxxxxxxxxxxxxxx"}
	var dst []byte
	b.ReportAllocs()
	for b.Loop() {
		var err error
		dst, err = cd.appendFrame(dst[:0], m, DefaultMaxMessageSize)
		if err != nil {
			b.Fatal(err)
		}
	}
	b.SetBytes(int64(len(dst)))
}

func BenchmarkJSONParseSmall(b *testing.B) {
	var cd jsonCodec
	p := []byte(`{"seq":12345,"p":"xxxxxxxxxxxxxxxx"}`)
	b.ReportAllocs()
	b.SetBytes(int64(len(p)))
	for b.Loop() {
		if _, err := cd.parse(p); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkJSONFrameSplit splits a 64 KiB read of 16-byte-payload frames.
func BenchmarkJSONFrameSplit(b *testing.B) {
	var cd jsonCodec
	line := []byte(`{"seq":12345,"p":"xxxxxxxxxxxxxxxx"}` + "\n")
	buf := bytes.Repeat(line, (64<<10)/len(line))
	b.ReportAllocs()
	b.SetBytes(int64(len(buf)))
	for b.Loop() {
		start, scanned, frames := 0, 0, 0
		for {
			_, _, next, err := cd.frame(buf[start:], &scanned, DefaultMaxMessageSize)
			if err != nil {
				b.Fatal(err)
			}
			if next == 0 {
				break
			}
			start += next
			frames++
		}
		if frames != len(buf)/len(line) {
			b.Fatal(frames)
		}
	}
}

func benchPair(b *testing.B) (*Channel, *Channel) {
	b.Helper()
	fds, err := SocketpairForTest(syscall.SOCK_STREAM)
	if err != nil {
		b.Fatal(err)
	}
	var chs [2]*Channel
	for i, fd := range fds {
		f := os.NewFile(uintptr(fd), "pair")
		c, err := net.FileConn(f)
		f.Close()
		if err != nil {
			b.Fatal(err)
		}
		if chs[i], err = New(c.(*net.UnixConn), nil); err != nil {
			b.Fatal(err)
		}
	}
	b.Cleanup(func() { chs[0].Close(); chs[1].Close() })
	return chs[0], chs[1]
}

var benchSizes = []int{16, 1 << 10, 64 << 10}

// BenchmarkSendRecv is one message one way: Send on one end, Recv on the
// other, in the same goroutine (the socket buffers it).
func BenchmarkSendRecv(b *testing.B) {
	for _, size := range benchSizes {
		b.Run(strconv.Itoa(size), func(b *testing.B) {
			a, z := benchPair(b)
			ctx := context.Background()
			m := benchMsg{P: string(bytes.Repeat([]byte("x"), size))}
			b.ReportAllocs()
			b.SetBytes(int64(size))
			for b.Loop() {
				if err := a.Send(ctx, m); err != nil {
					b.Fatal(err)
				}
				if _, err := z.Recv(ctx); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}

// BenchmarkPingPong is a round trip between two goroutines: Send, the
// other end echoes with SendRaw, Recv.
func BenchmarkPingPong(b *testing.B) {
	for _, size := range benchSizes {
		b.Run(strconv.Itoa(size), func(b *testing.B) {
			a, z := benchPair(b)
			ctx := context.Background()
			go func() {
				for {
					m, err := z.Recv(ctx)
					if err != nil {
						return
					}
					if z.SendRaw(ctx, m.Raw()) != nil {
						return
					}
				}
			}()
			m := benchMsg{P: string(bytes.Repeat([]byte("x"), size))}
			b.ReportAllocs()
			b.SetBytes(int64(size))
			for b.Loop() {
				if err := a.Send(ctx, m); err != nil {
					b.Fatal(err)
				}
				if _, err := a.Recv(ctx); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}

// BenchmarkStreamPost is a one-way stream of 16-byte-payload messages
// posted without waiting (coalesced writes) and received in order.
func BenchmarkStreamPost(b *testing.B) {
	a, z := benchPair(b)
	ctx := context.Background()
	m := benchMsg{P: "xxxxxxxxxxxxxxxx"}
	done := make(chan int)
	b.ReportAllocs()
	go func() {
		n := 0
		for {
			if _, err := z.Recv(ctx); err != nil {
				done <- n
				return
			}
			n++
		}
	}()
	i := 0
	for b.Loop() {
		var err error
		if i++; i%256 == 0 {
			err = a.Send(ctx, m) // back-pressure
		} else {
			err = a.Post(m)
		}
		if err != nil {
			b.Fatal(err)
		}
	}
	if err := a.Send(ctx, m); err != nil {
		b.Fatal(err)
	}
	a.Close()
	<-done
}

// BenchmarkHandleTransfer is one socket hand-off Go to Go: SendHandle (which
// waits for the peer's ACK) of a UDP socket, received and closed on the
// other end. Reports transfers per second.
func BenchmarkHandleTransfer(b *testing.B) {
	a, z := benchPair(b)
	u, err := net.ListenUDP("udp4", &net.UDPAddr{IP: net.IPv4(127, 0, 0, 1)})
	if err != nil {
		b.Fatal(err)
	}
	defer u.Close()
	ctx := context.Background()
	done := make(chan struct{})
	go func() {
		defer close(done)
		for {
			m, err := z.Recv(ctx)
			if err != nil {
				return
			}
			if h := m.PacketConn(); h != nil {
				h.Close()
			}
		}
	}()
	b.ReportAllocs()
	start := time.Now()
	n := 0
	for b.Loop() {
		if err := a.SendHandle(ctx, n, u, &SendHandleOptions{Native: true}); err != nil {
			b.Fatal(err)
		}
		n++
	}
	b.ReportMetric(float64(n)/time.Since(start).Seconds(), "transfers/s")
	a.Close()
	z.Close()
	<-done
}
