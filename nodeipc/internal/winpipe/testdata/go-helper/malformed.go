//go:build windows

package main

import (
	"context"
	"encoding/binary"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"time"

	"github.com/nodeipc/nodeipc-go/nodeipc"
	"github.com/nodeipc/nodeipc-go/nodeipc/internal/winpipe"
	"golang.org/x/sys/windows"
)

// report is what malformed-child found.
type report struct {
	Msgs      []string `json:"msgs"`
	PerMsg    []string `json:"perMsg"`
	Err       string   `json:"err"`
	Malformed bool     `json:"malformed"`
	TooLarge  bool     `json:"tooLarge"`
	Disconn   bool     `json:"disconnected"`
}

// malformedChild receives on the channel (MaxMessageSize 1024) until it
// ends, and writes a report to the file in os.Args[2].
func malformedChild() int {
	ch, err := nodeipc.FromEnv(&nodeipc.Options{MaxMessageSize: 1024})
	if err != nil {
		fmt.Fprintln(os.Stderr, "malformed-child:", err)
		return 2
	}
	defer ch.Close()
	var r report
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	for {
		m, err := ch.Recv(ctx)
		if err == nil {
			r.Msgs = append(r.Msgs, string(m.Raw()))
			ch.Post(map[string]any{"got": len(r.Msgs)}) // tells the parent it may close
			continue
		}
		// A terminal error ends the channel at once; a per-message error
		// leaves it connected.
		select {
		case <-ch.Done():
		case <-time.After(time.Second):
			r.PerMsg = append(r.PerMsg, err.Error())
			continue
		}
		break
	}
	cerr := ch.Err()
	if cerr != nil {
		r.Err = cerr.Error()
	}
	r.Malformed = errors.Is(cerr, nodeipc.ErrMalformedMessage)
	r.TooLarge = errors.Is(cerr, nodeipc.ErrMessageTooLarge)
	r.Disconn = errors.Is(cerr, nodeipc.ErrDisconnected)
	b, _ := json.Marshal(r)
	if err := os.WriteFile(os.Args[2], b, 0o644); err != nil {
		return 1
	}
	return 0
}

func hdr(flags, r1, n, r2 uint32) []byte {
	var b []byte
	for _, v := range []uint32{flags, r1, n, r2} {
		b = binary.LittleEndian.AppendUint32(b, v)
	}
	return b
}

func frame(s string) []byte { return append(winpipe.AppendHeader(nil, len(s), false, false), s...) }

// malformedParent starts malformed-child with a channel of its own (the
// CRT block as libuv passes it), writes a good message and then one bad
// frame per case, and checks the child's report: the good message was
// received, then the channel ended with the expected typed error.
func malformedParent() int {
	big := make([]byte, 2000)
	for i := range big {
		big[i] = 'x'
	}
	badXfer := append(hdr(3, 0, 0, 0), make([]byte, winpipe.XferInfoSize)...)
	badXfer = append(badXfer[:8], binary.LittleEndian.AppendUint32(nil, 0)...)
	nh := `{"cmd":"NODE_HANDLE","type":"net.Socket","msg":"s","key":"k"}` + "\n"
	badXfer = append(hdr(3, 0, uint32(len(nh)), 0), make([]byte, winpipe.XferInfoSize)...)
	badXfer = append(badXfer, nh...)
	cases := []struct {
		name  string
		bad   []byte
		check func(r report) error
		// closeAfter: close the parent's end once the child said it has
		// that many messages (the cases that end with EOF); 0: the child
		// ends the channel itself.
		closeAfter int
	}{
		{"unknown-flag", hdr(0x09, 0, 1, 0), wantMalformed, 0},
		{"reserved2", append(hdr(1, 0, 2, 7), "{}"...), wantMalformed, 0},
		{"data-without-flag", hdr(0, 0, 3, 0), wantMalformed, 0},
		{"conn-without-xfer", append(hdr(5, 0, 1, 0), '\n'), wantMalformed, 0},
		{"past-max-message-size", frame(`"` + string(big) + `"` + "\n"), func(r report) error {
			if !r.TooLarge {
				return fmt.Errorf("want ErrMessageTooLarge: %+v", r)
			}
			return nil
		}, 0},
		{"eof-inside-frame", hdr(1, 0, 100, 0), func(r report) error {
			if !r.Disconn {
				return fmt.Errorf("want ErrDisconnected: %+v", r)
			}
			return nil
		}, 1},
		// A transfer block that is not a socket of ours: the NODE_HANDLE
		// message finds no handle (a NACK, a per-message error), and the
		// channel goes on.
		{"bad-xfer-info", append(badXfer, frame(`{"after":1}`+"\n")...), func(r report) error {
			if len(r.Msgs) != 2 || r.Msgs[1] != `{"after":1}` || !r.Disconn || len(r.PerMsg) == 0 {
				return fmt.Errorf("want the next message and a clean disconnect: %+v", r)
			}
			return nil
		}, 2},
	}
	self, _ := os.Executable()
	failed := 0
	for _, c := range cases {
		r, err := runMalformed(self, c.bad, c.closeAfter)
		if err == nil {
			if len(r.Msgs) == 0 || r.Msgs[0] != `{"a":1}` {
				err = fmt.Errorf("the message before the bad frame was lost: %+v", r)
			} else {
				err = c.check(r)
			}
		}
		if err != nil {
			msg := err.Error()
			if len(msg) > 2000 {
				msg = msg[:2000] + "..."
			}
			fmt.Printf("FAIL %s: %s\n", c.name, msg)
			failed++
			continue
		}
		fmt.Printf("ok %s: %s\n", c.name, r.Err)
	}
	if failed > 0 {
		return 1
	}
	return 0
}

func wantMalformed(r report) error {
	if !r.Malformed {
		return fmt.Errorf("want ErrMalformedMessage: %+v", r)
	}
	return nil
}

func runMalformed(self string, bad []byte, closeAfter int) (report, error) {
	var r report
	p, child, err := winpipe.ChildPipe()
	if err != nil {
		return r, err
	}
	defer p.Close()
	out, err := os.CreateTemp("", "nodeipc-malformed")
	if err != nil {
		return r, err
	}
	out.Close()
	defer os.Remove(out.Name())
	env := append(os.Environ(), "NODE_CHANNEL_FD=3", "NODE_CHANNEL_SERIALIZATION_MODE=json")
	fds := []windows.Handle{0, windows.Handle(os.Stdout.Fd()), windows.Handle(os.Stderr.Fd()), child}
	proc, err := winpipe.StartProcess(self, []string{self, "malformed-child", out.Name()}, env, "", fds,
		[]byte{0, winpipe.CRTOpen, winpipe.CRTOpen, winpipe.CRTOpen | winpipe.CRTPipe})
	windows.CloseHandle(child)
	if err != nil {
		return r, err
	}
	defer windows.CloseHandle(proc.Handle)
	p.SetPeerPID(proc.Pid)
	if _, err := p.Write(append(frame(`{"a":1}`+"\n"), bad...)); err != nil {
		return r, err
	}
	// The child ends the channel on a bad frame; otherwise (the cases that
	// end with EOF) closing this end does, once the child has the messages.
	got := make(chan struct{}, 16)
	go func() {
		b := make([]byte, 4096)
		for {
			n, err := p.Read(b)
			for i := 0; i+5 <= n; i++ {
				if string(b[i:i+5]) == `"got"` {
					got <- struct{}{}
				}
			}
			if err != nil {
				return
			}
		}
	}()
	for i := 0; i < closeAfter; i++ {
		select {
		case <-got:
		case <-time.After(30 * time.Second):
			return r, fmt.Errorf("the child did not confirm message %d", i+1)
		}
	}
	if closeAfter > 0 {
		p.Close()
	}
	if ev, err := windows.WaitForSingleObject(proc.Handle, 60000); err != nil || ev != windows.WAIT_OBJECT_0 {
		return r, fmt.Errorf("child did not exit: %v", err)
	}
	b, err := os.ReadFile(out.Name())
	if err != nil || len(b) == 0 {
		return r, fmt.Errorf("no report from the child: %v", err)
	}
	if err := json.Unmarshal(b, &r); err != nil {
		return r, err
	}
	return r, nil
}
