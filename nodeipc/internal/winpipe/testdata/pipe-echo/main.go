//go:build windows

// Command pipe-echo is a test helper of the Windows suite below the nodeipc
// package: it finds its channel from NODE_CHANNEL_FD like the library, and
// writes the data of every frame it reads back as one frame, unchanged. A
// Node parent that sends messages (JSON lines or advanced records) thus
// receives each back as it sent it, which proves the handle lookup, the
// overlapped pipe and the framing against the real node.exe.
package main

import (
	"fmt"
	"io"
	"os"
	"strconv"

	"github.com/nodeipc/nodeipc-go/nodeipc/internal/winpipe"
)

func main() { os.Exit(run()) }

func run() int {
	fd, err := strconv.Atoi(os.Getenv("NODE_CHANNEL_FD"))
	if err != nil {
		fmt.Fprintln(os.Stderr, "pipe-echo: NODE_CHANNEL_FD:", err)
		return 2
	}
	h, err := winpipe.InheritedHandle(fd)
	if err != nil {
		fmt.Fprintln(os.Stderr, "pipe-echo:", err)
		return 2
	}
	p, err := winpipe.NewPipe(h)
	if err != nil {
		fmt.Fprintln(os.Stderr, "pipe-echo:", err)
		return 2
	}
	defer p.Close()
	u := winpipe.NewUnframer(0)
	buf := make([]byte, 64<<10)
	var out []byte
	for {
		n, err := p.Read(buf)
		if err == io.EOF || winpipe.IsPeerClosed(err) {
			return 0
		}
		if err != nil {
			fmt.Fprintln(os.Stderr, "pipe-echo: read:", err)
			return 1
		}
		out = out[:0]
		for in := buf[:n]; len(in) > 0; {
			k, data, x, err := u.Next(in)
			if err != nil {
				fmt.Fprintln(os.Stderr, "pipe-echo:", err)
				return 1
			}
			if x != nil {
				fmt.Fprintln(os.Stderr, "pipe-echo: unexpected socket transfer")
				return 1
			}
			out = append(out, data...)
			in = in[k:]
		}
		if len(out) > 0 {
			frame := append(winpipe.AppendHeader(nil, len(out), false, false), out...)
			if _, err := p.Write(frame); err != nil {
				fmt.Fprintln(os.Stderr, "pipe-echo: write:", err)
				return 1
			}
		}
	}
}
