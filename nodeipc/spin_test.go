//go:build darwin || freebsd || linux || netbsd || openbsd

package nodeipc

import (
	"testing"
	"time"
)

// fakeSpin is a spinPolicy on a fake clock with a recording kernel wait.
type fakeSpin struct {
	spinPolicy
	t      int64   // the clock, ns
	kwaits []int64 // timeouts the kernel waits were asked for
	dataAt int64   // when the data comes, for the kernel wait
	stream bool    // read does not answer what it reads
}

func newFakeSpin(budget time.Duration, multiCPU bool) *fakeSpin {
	f := &fakeSpin{}
	f.init(budget)
	f.multiCPU = multiCPU
	f.now = func() int64 { return f.t }
	f.kwait = func(_ uintptr, ns int64) bool {
		f.kwaits = append(f.kwaits, ns)
		if f.t+ns < f.dataAt {
			f.t += ns
			return false
		}
		f.t = max(f.t, f.dataAt)
		return true
	}
	return f
}

const us = int64(time.Microsecond)

// read plays one read that finds nothing for wait ns and then data: polls
// step ns apart. It returns how many polls the policy asked for and whether
// it parked.
func (f *fakeSpin) read(wait, step int64, whole bool) (polls int, parked bool) {
	end := f.t + wait
	f.dataAt = end
	for f.t < end { // until the data is there
		k := len(f.kwaits)
		if !f.again(0) {
			parked = true
			f.t = end // woken by the poller when the data comes
			break
		}
		if len(f.kwaits) == k {
			polls++
			f.t += step
		}
	}
	f.woke()
	f.framed(whole)
	if !f.stream {
		f.wrote() // the answer
	}
	return polls, parked
}

func TestSpinIdleChannelParks(t *testing.T) {
	f := newFakeSpin(100*time.Microsecond, true)
	if polls, parked := f.read(time.Second.Nanoseconds(), us, true); polls != 0 || !parked {
		t.Fatalf("first wait: %d polls, parked %v; want 0 polls, parked", polls, parked)
	}
	// A long wait keeps it parking.
	if polls, parked := f.read(time.Second.Nanoseconds(), us, true); polls != 0 || !parked {
		t.Fatalf("after a long wait: %d polls, parked %v", polls, parked)
	}
}

func TestSpinRequestReplyPolls(t *testing.T) {
	f := newFakeSpin(100*time.Microsecond, true)
	f.read(30*us, us, true) // parks, but the wait was short
	for i := 0; i < 100; i++ {
		polls, parked := f.read(30*us, 2*us, true)
		if parked || polls == 0 {
			t.Fatalf("round trip %d: %d polls, parked %v; want to poll through a 30 µs wait", i, polls, parked)
		}
	}
	if len(f.kwaits) != 0 {
		t.Fatalf("kernel waits on an uncontended poll: %v", f.kwaits)
	}
}

func TestSpinTrickleNeverPolls(t *testing.T) {
	f := newFakeSpin(100*time.Microsecond, true)
	f.read(30*us, us, true) // a message after a short wait arms the policy
	f.read(80*us, us, false)
	// One byte every 80 µs, never a whole message: every wait parks.
	for i := 0; i < 1000; i++ {
		if polls, parked := f.read(80*us, us, false); polls != 0 || !parked {
			t.Fatalf("byte %d: %d polls, parked %v; a trickle must not spin", i, polls, parked)
		}
	}
	if len(f.kwaits) != 0 {
		t.Fatalf("kernel waits on a trickle: %v", f.kwaits)
	}
}

func TestSpinRunsOutThenParks(t *testing.T) {
	f := newFakeSpin(100*time.Microsecond, true)
	f.read(30*us, us, true)
	polls, parked := f.read(500*us, us, true)
	if !parked || polls < 90 || polls > 101 {
		t.Fatalf("a 500 µs wait: %d polls, parked %v; want about 100 polls, then park", polls, parked)
	}
	if polls, parked := f.read(30*us, us, true); polls != 0 || !parked {
		t.Fatalf("after a poll ran out: %d polls, parked %v; want to park", polls, parked)
	}
}

func TestSpinDescheduledGoesToKernel(t *testing.T) {
	f := newFakeSpin(100*time.Microsecond, true)
	f.read(30*us, us, true)
	f.dataAt = f.t + 60*us
	// A poll interrupted by a 50 µs gap: the rest of the wait is a kernel wait.
	f.again(0)     // first empty read: poll
	f.t += 2 * us  // one poll
	f.again(0)     // still polling
	f.t += 50 * us // descheduled
	if !f.again(0) {
		t.Fatal("after a gap: parked; want a kernel wait and another read")
	}
	if len(f.kwaits) != 1 || f.kwaits[0] != 48*us {
		t.Fatalf("kernel waits %v; want one of the 48 µs left", f.kwaits)
	}
	f.woke()
	f.framed(true)
	f.wrote()
	// The next minSkip waits go to the kernel, then one poll probes again.
	for i := 0; i < minSkip; i++ {
		f.kwaits = nil
		f.dataAt = f.t + 20*us
		if !f.again(0) || len(f.kwaits) != 1 || f.kwaits[0] != 100*us {
			t.Fatalf("wait %d after the gap: kernel waits %v; want one for the whole budget", i, f.kwaits)
		}
		f.woke()
		f.framed(true)
		f.wrote()
	}
	f.kwaits = nil
	if !f.again(0) || len(f.kwaits) != 0 {
		t.Fatalf("after %d kernel waits: kernel waits %v; want a poll", minSkip, f.kwaits)
	}
	// Descheduled again: twice as long in the kernel.
	f.t += 30 * us
	f.again(0)
	f.woke()
	f.framed(true)
	if f.skip != 2*minSkip {
		t.Fatalf("skip after a second gap = %d, want %d", f.skip, 2*minSkip)
	}
	// The back-off is bounded.
	for i := 0; i < 20; i++ {
		f.skip = 0
		f.again(0)
		f.t += 30 * us
		f.again(0)
		f.woke()
		f.framed(true)
	}
	if f.backoff != maxSkip || f.skip > maxSkip {
		t.Fatalf("backoff %d skip %d; want at most %d", f.backoff, f.skip, maxSkip)
	}
}

func TestSpinKernelTimeoutParks(t *testing.T) {
	f := newFakeSpin(100*time.Microsecond, false) // one CPU: never polls
	f.read(30*us, us, true)
	polls, parked := f.read(30*us, us, true)
	if parked || polls != 0 || len(f.kwaits) != 1 {
		t.Fatalf("one CPU, short wait: %d polls, parked %v, kernel waits %v; want one kernel wait", polls, parked, f.kwaits)
	}
	if _, parked := f.read(time.Millisecond.Nanoseconds(), us, true); !parked {
		t.Fatal("kernel wait timed out: want park")
	}
	f.kwaits = nil
	if _, parked := f.read(30*us, us, true); !parked || len(f.kwaits) != 0 {
		t.Fatalf("after a timed-out kernel wait: parked %v, kernel waits %v; want to park at once", parked, f.kwaits)
	}
}

func TestSpinDisabled(t *testing.T) {
	f := newFakeSpin(0, true)
	for i := 0; i < 10; i++ {
		if polls, parked := f.read(10*us, us, true); polls != 0 || !parked || len(f.kwaits) != 0 {
			t.Fatalf("SpinWait off: %d polls, parked %v, kernel waits %v", polls, parked, f.kwaits)
		}
	}
}

func TestSpinSpuriousWakeParksAgain(t *testing.T) {
	f := newFakeSpin(100*time.Microsecond, true)
	if f.again(0) {
		t.Fatal("unarmed: want park")
	}
	if f.again(0) {
		t.Fatal("woken without data: want to park again")
	}
}

func TestSpinStreamParksInsteadOfKernelWait(t *testing.T) {
	// One CPU, a one-way stream (nothing written between reads): a kernel
	// wait would wake at every message, so the reader parks.
	f := newFakeSpin(100*time.Microsecond, false)
	f.stream = true
	for i := 0; i < 10; i++ {
		if _, parked := f.read(10*us, us, true); !parked || len(f.kwaits) != 0 {
			t.Fatalf("message %d of a stream: parked %v, kernel waits %v; want to park", i, parked, f.kwaits)
		}
	}
	// The same with a reply written after each read: kernel waits.
	f.stream = false
	f.read(10*us, us, true)
	f.kwaits = nil
	if _, parked := f.read(10*us, us, true); parked || len(f.kwaits) != 1 {
		t.Fatalf("request/reply: parked %v, kernel waits %v; want one kernel wait", parked, f.kwaits)
	}
}
