//go:build linux

package nodeipc_test

import (
	"context"
	"fmt"
	"os"
	"os/exec"
	"strconv"
	"syscall"
	"testing"
	"time"

	"github.com/nodeipc/nodeipc-go/nodeipc"
)

// The child side of TestSpinCPU: a receive loop on the inherited channel,
// with Options.SpinWait from the environment, until the channel ends.
func init() {
	v, ok := os.LookupEnv("NODEIPC_TEST_SPIN_CHILD")
	if !ok {
		return
	}
	wait, _ := time.ParseDuration(v)
	ch, err := nodeipc.FromEnv(&nodeipc.Options{SpinWait: wait})
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(2)
	}
	for {
		if _, err := ch.Recv(context.Background()); err != nil {
			os.Exit(0)
		}
	}
}

// spinChild starts this test binary as a receiving child with the given
// SpinWait and returns the parent's end of the channel, a raw socket.
func spinChild(t *testing.T, spinWait time.Duration) (*exec.Cmd, int) {
	t.Helper()
	fds, err := syscall.Socketpair(syscall.AF_UNIX, syscall.SOCK_STREAM|syscall.SOCK_CLOEXEC, 0)
	if err != nil {
		t.Fatal(err)
	}
	childEnd := os.NewFile(uintptr(fds[1]), "child-end")
	defer childEnd.Close()
	cmd := exec.Command(os.Args[0], "-test.run=^$")
	cmd.Env = append(os.Environ(), "NODEIPC_TEST_SPIN_CHILD="+spinWait.String(), "NODE_CHANNEL_FD=3", "NODE_CHANNEL_SERIALIZATION_MODE=json")
	cmd.ExtraFiles = []*os.File{childEnd}
	cmd.Stderr = os.Stderr
	if err := cmd.Start(); err != nil {
		syscall.Close(fds[0])
		t.Fatal(err)
	}
	return cmd, fds[0]
}

// childCPU ends the child by closing its channel and returns the CPU time
// it used (user + system, from wait4's rusage).
func childCPU(t *testing.T, cmd *exec.Cmd, fd int) time.Duration {
	t.Helper()
	syscall.Close(fd)
	if err := cmd.Wait(); err != nil {
		t.Fatalf("child: %v", err)
	}
	return cmd.ProcessState.UserTime() + cmd.ProcessState.SystemTime()
}

// trickle writes a few whole messages quickly (which arms any spin), then
// one byte every gap for d, never finishing a message.
func trickle(t *testing.T, fd int, gap, d time.Duration) int {
	t.Helper()
	for i := 0; i < 50; i++ {
		if _, err := syscall.Write(fd, []byte("1\n")); err != nil {
			t.Fatal(err)
		}
		time.Sleep(20 * time.Microsecond)
	}
	if _, err := syscall.Write(fd, []byte(`"`)); err != nil {
		t.Fatal(err)
	}
	// The writer busy-waits between bytes: a sleep that short oversleeps by
	// far on a loaded machine.
	n := 0
	for end := time.Now().Add(d); time.Now().Before(end); n++ {
		if _, err := syscall.Write(fd, []byte("x")); err != nil {
			t.Fatal(err)
		}
		for next := time.Now().Add(gap); time.Now().Before(next); {
		}
	}
	return n
}

// TestSpinCPU checks, by the CPU time the receiving process used (not by
// wall-clock timing), that a channel on which no whole message arrives does
// not spin: a byte trickle costs the child no more CPU with a long SpinWait
// than with the spin disabled (the cost of one wake-up per byte), and an
// idle channel costs nothing.
func TestSpinCPU(t *testing.T) {
	skipUnlessSelfExec(t)
	if testing.Short() {
		t.Skip("runs child processes for about two seconds")
	}
	// A SpinWait far longer than the gaps, so that a spin that a trickle
	// could hold on would be held on even when the machine's load stretches
	// the gaps.
	const gap, d, spinWait = 100 * time.Microsecond, 600 * time.Millisecond, 2 * time.Millisecond
	var cpu [2]time.Duration
	var bytes [2]int
	// Interleaved, so that a change in the machine's load affects both.
	for round := 0; round < 2; round++ {
		for i, wait := range []time.Duration{spinWait, -1} {
			cmd, fd := spinChild(t, wait)
			bytes[i] += trickle(t, fd, gap, d/2)
			cpu[i] += childCPU(t, cmd, fd)
		}
	}
	t.Logf("byte trickle, %v: child CPU %v with SpinWait %v (%d bytes), %v with SpinWait off (%d bytes)", d, cpu[0], spinWait, bytes[0], cpu[1], bytes[1])
	// Without a spin the child pays one wake-up per byte; a spinning child
	// uses nearly all of d whatever the byte count. Compare at the same
	// byte count (the writer's rate varies with the machine's load).
	if limit := time.Duration(float64(cpu[1])*float64(bytes[0])/float64(max(bytes[1], 1)))*3/2 + 30*time.Millisecond; cpu[0] > limit {
		t.Errorf("byte trickle: child CPU %v with SpinWait %v, %v with it off: the trickle keeps the spin on", cpu[0], spinWait, cpu[1])
	}

	// An idle peer after a burst of messages.
	cmd, fd := spinChild(t, 0)
	for i := 0; i < 50; i++ {
		syscall.Write(fd, []byte(strconv.Itoa(i)+"\n"))
		time.Sleep(20 * time.Microsecond)
	}
	before := cmdCPU(cmd.Process.Pid)
	time.Sleep(300 * time.Millisecond)
	idle := cmdCPU(cmd.Process.Pid) - before
	childCPU(t, cmd, fd)
	t.Logf("idle channel, 300ms: child CPU %v", idle)
	if before >= 0 && idle > 30*time.Millisecond {
		t.Errorf("idle channel: child used %v of CPU in 300ms", idle)
	}
}

// cmdCPU is the CPU time (user + system) process pid has used so far, from
// /proc/<pid>/stat, or -1 if it cannot be read.
func cmdCPU(pid int) time.Duration {
	b, err := os.ReadFile("/proc/" + strconv.Itoa(pid) + "/stat")
	if err != nil {
		return -1
	}
	// Fields after the command name (which is in parentheses): utime and
	// stime are the 12th and 13th, in clock ticks (100 per second on Linux).
	s := string(b)
	for i := len(s) - 1; i >= 0; i-- {
		if s[i] == ')' {
			s = s[i+2:]
			break
		}
	}
	var f []string
	start := 0
	for i := 0; i <= len(s); i++ {
		if i == len(s) || s[i] == ' ' {
			f = append(f, s[start:i])
			start = i + 1
		}
	}
	if len(f) < 13 {
		return -1
	}
	ut, _ := strconv.ParseInt(f[11], 10, 64)
	st, _ := strconv.ParseInt(f[12], 10, 64)
	return time.Duration(ut+st) * 10 * time.Millisecond
}
