//go:build linux

package main

import (
	"bytes"
	"fmt"
	"os"
	"os/exec"
	"strconv"
	"syscall"
	"time"
)

// runRaw measures a bare AF_UNIX stream socketpair between this process and
// a re-executed copy of it, with blocking read/write system calls and no
// encoding: a message is size bytes of payload and a newline. It is the
// upper bound for any channel on this machine.
func runRaw(test string, n, size int) (result, error) {
	r := result{Parent: "raw", Test: test, Serialization: "none", Size: size}
	fds, err := syscall.Socketpair(syscall.AF_UNIX, syscall.SOCK_STREAM|syscall.SOCK_CLOEXEC, 0)
	if err != nil {
		return r, err
	}
	fd := fds[0]
	defer syscall.Close(fd)
	childEnd := os.NewFile(uintptr(fds[1]), "raw-child")
	exe, err := os.Executable()
	if err != nil {
		return r, err
	}
	mode := "echo"
	if test == "stream" {
		mode = "sink"
	}
	cmd := exec.Command(exe)
	cmd.Env = append(os.Environ(), "NODEIPC_BENCH_RAW_CHILD="+mode)
	cmd.ExtraFiles = []*os.File{childEnd}
	cmd.Stderr = os.Stderr
	t0 := time.Now()
	if err := cmd.Start(); err != nil {
		return r, err
	}
	childEnd.Close()
	defer cmd.Wait()
	buf := make([]byte, 1<<17) // room for the largest echoed line
	// Start-up: one line there and back (the sink answers an empty line).
	if err := writeAll(fd, []byte("\n")); err != nil {
		return r, err
	}
	if _, err := readLine(fd, buf); err != nil {
		return r, err
	}
	r.StartupMS = round(time.Since(t0).Seconds()*1e3, 2)
	cpu0 := cpuMS(cmd.Process.Pid)
	line := append(bytes.Repeat([]byte("x"), size), '\n')
	switch test {
	case "startup":
	case "pingpong":
		t := time.Now()
		for i := 0; i < n; i++ {
			if err := writeAll(fd, line); err != nil {
				return r, err
			}
			if _, err := readLine(fd, buf); err != nil {
				return r, err
			}
		}
		s := time.Since(t).Seconds()
		r.N, r.Seconds, r.PerSec, r.USPerOp = n, round(s, 4), round(float64(n)/s, 0), round(s*1e6/float64(n), 2)
	case "stream":
		per := max(1, (64<<10)/len(line))
		chunk := bytes.Repeat(line, per)
		t := time.Now()
		for left := n; left > 0; left -= per {
			k := min(left, per)
			if err := writeAll(fd, chunk[:k*len(line)]); err != nil {
				return r, err
			}
		}
		if err := syscall.Shutdown(fd, syscall.SHUT_WR); err != nil {
			return r, err
		}
		got, err := readLine(fd, buf)
		if err != nil {
			return r, err
		}
		s := time.Since(t).Seconds()
		if c, _ := strconv.Atoi(string(got)); c != n {
			return r, fmt.Errorf("raw child counted %q, want %d", got, n)
		}
		r.N, r.Seconds, r.PerSec, r.MBPerS = n, round(s, 4), round(float64(n)/s, 0), round(float64(n*size)/s/1e6, 1)
	default:
		return r, fmt.Errorf("unknown test %q", test)
	}
	r.ChildHWMKB = hwmKB(cmd.Process.Pid)
	if r.N > 0 {
		r.ChildCPUUS = round((cpuMS(cmd.Process.Pid)-cpu0)*1e3/float64(r.N), 2)
	}
	syscall.Shutdown(fd, syscall.SHUT_RDWR)
	return r, nil
}

func writeAll(fd int, b []byte) error {
	for len(b) > 0 {
		k, err := syscall.Write(fd, b)
		if err == syscall.EINTR {
			continue
		}
		if err != nil {
			return err
		}
		b = b[k:]
	}
	return nil
}

// readLine reads until a newline ends the data read so far (the peer never
// sends past one outstanding line) and returns it without the newline.
func readLine(fd int, buf []byte) ([]byte, error) {
	have := 0
	for {
		k, err := syscall.Read(fd, buf[have:])
		if err == syscall.EINTR {
			continue
		}
		if err != nil {
			return nil, err
		}
		if k == 0 {
			return nil, fmt.Errorf("raw: EOF")
		}
		have += k
		if buf[have-1] == '\n' {
			return buf[:have-1], nil
		}
	}
}

// rawChild is the child side: fd 3, blocking. echo sends every line back;
// sink answers the first line, then counts newlines until EOF and writes the
// count.
func rawChild(mode string) int {
	const fd = 3
	buf := make([]byte, 1<<16)
	if mode == "sink" {
		if _, err := readLine(fd, buf); err != nil {
			return 1
		}
		writeAll(fd, []byte("\n"))
		count := 0
		for {
			k, err := syscall.Read(fd, buf)
			if err == syscall.EINTR {
				continue
			}
			if err != nil {
				return 1
			}
			if k == 0 {
				break
			}
			count += bytes.Count(buf[:k], []byte{'\n'})
		}
		writeAll(fd, []byte(strconv.Itoa(count)+"\n"))
		return 0
	}
	have := 0
	for {
		k, err := syscall.Read(fd, buf[have:])
		if err == syscall.EINTR {
			continue
		}
		if err != nil || k == 0 {
			return 0
		}
		have += k
		if buf[have-1] == '\n' {
			if writeAll(fd, buf[:have]) != nil {
				return 0
			}
			have = 0
		} else if have == len(buf) {
			buf = append(buf, make([]byte, len(buf))...)
		}
	}
}
