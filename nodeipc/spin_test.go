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

func newFakeSpin(budget time.Duration) *fakeSpin {
	f := &fakeSpin{}
	f.init(budget)
	f.now = func() int64 { return f.t }
	f.kwait = func(_ uintptr, ns int64, _ bool) bool {
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

// read plays one read whose data comes wait ns after it starts (0: at
// once). It returns how many kernel waits the policy made and whether it
// parked.
func (f *fakeSpin) read(wait int64, whole bool) (kwaits int, parked bool) {
	end := f.t + wait
	f.dataAt = end
	k := len(f.kwaits)
	for f.t < end { // until the data is there
		if !f.again(0) {
			parked = true
			f.t = end // woken by the poller when the data comes
			break
		}
	}
	f.woke()
	f.framed(whole)
	if !f.stream {
		f.wrote() // the answer
	}
	return len(f.kwaits) - k, parked
}

func TestSpinIdleChannelParks(t *testing.T) {
	f := newFakeSpin(100 * time.Microsecond)
	if k, parked := f.read(time.Second.Nanoseconds(), true); k != 0 || !parked {
		t.Fatalf("first wait: %d kernel waits, parked %v; want none, parked", k, parked)
	}
	// A long wait keeps it parking.
	if k, parked := f.read(time.Second.Nanoseconds(), true); k != 0 || !parked {
		t.Fatalf("after a long wait: %d kernel waits, parked %v", k, parked)
	}
}

func TestSpinRequestReplyWaitsInKernel(t *testing.T) {
	f := newFakeSpin(100 * time.Microsecond)
	f.read(30*us, true) // parks, but the wait was short
	for i := 0; i < 100; i++ {
		k, parked := f.read(30*us, true)
		if parked || k != 1 {
			t.Fatalf("round trip %d: %d kernel waits, parked %v; want one kernel wait through a 30 µs wait", i, k, parked)
		}
		if got := f.kwaits[len(f.kwaits)-1]; got != 100*us {
			t.Fatalf("round trip %d: kernel wait of %d ns, want the budget", i, got)
		}
	}
	// Data already there: no wait at all, and the rhythm holds.
	if k, parked := f.read(0, true); k != 0 || parked {
		t.Fatalf("data at once: %d kernel waits, parked %v", k, parked)
	}
	if k, parked := f.read(30*us, true); k != 1 || parked {
		t.Fatalf("after data at once: %d kernel waits, parked %v; want one", k, parked)
	}
}

func TestSpinTrickleNeverWaits(t *testing.T) {
	f := newFakeSpin(100 * time.Microsecond)
	f.read(30*us, true) // a message after a short wait arms the policy
	f.read(80*us, false)
	// One byte every 80 µs, never a whole message: every wait parks.
	for i := 0; i < 1000; i++ {
		if k, parked := f.read(80*us, false); k != 0 || !parked {
			t.Fatalf("byte %d: %d kernel waits, parked %v; a trickle must not wait in the kernel", i, k, parked)
		}
	}
}

func TestSpinKernelTimeoutParks(t *testing.T) {
	f := newFakeSpin(100 * time.Microsecond)
	f.read(30*us, true)
	if k, parked := f.read(30*us, true); parked || k != 1 {
		t.Fatalf("short wait: %d kernel waits, parked %v; want one kernel wait", k, parked)
	}
	if k, parked := f.read(time.Millisecond.Nanoseconds(), true); !parked || k != 1 {
		t.Fatalf("kernel wait timed out: %d kernel waits, parked %v; want one, then park", k, parked)
	}
	if k, parked := f.read(30*us, true); !parked || k != 0 {
		t.Fatalf("after a timed-out kernel wait: %d kernel waits, parked %v; want to park at once", k, parked)
	}
	// A short wait re-arms it.
	if k, parked := f.read(30*us, true); parked || k != 1 {
		t.Fatalf("re-armed: %d kernel waits, parked %v; want one kernel wait", k, parked)
	}
}

func TestSpinInterruptedKernelWaitGoesOn(t *testing.T) {
	f := newFakeSpin(100 * time.Microsecond)
	f.read(30*us, true)
	f.read(30*us, true)
	// A signal ends the wait after 40 µs with no data: the next wait is
	// for the 60 µs left.
	f.dataAt = f.t + 80*us
	kw := f.kwait
	f.kwait = func(fd uintptr, ns int64, y bool) bool {
		f.kwaits = append(f.kwaits, ns)
		f.t += 40 * us
		f.kwait = kw
		return true // EINTR
	}
	f.kwaits = nil
	if !f.again(0) {
		t.Fatal("interrupted wait: parked; want to read again")
	}
	if !f.again(0) {
		t.Fatal("after the interruption: parked; want another kernel wait")
	}
	if len(f.kwaits) != 2 || f.kwaits[1] != 60*us {
		t.Fatalf("kernel waits %v; want the full budget, then the 60 µs left", f.kwaits)
	}
}

func TestSpinDisabled(t *testing.T) {
	f := newFakeSpin(0)
	for i := 0; i < 10; i++ {
		if k, parked := f.read(10*us, true); k != 0 || !parked {
			t.Fatalf("SpinWait off: %d kernel waits, parked %v", k, parked)
		}
	}
}

func TestSpinSpuriousWakeParksAgain(t *testing.T) {
	f := newFakeSpin(100 * time.Microsecond)
	if f.again(0) {
		t.Fatal("unarmed: want park")
	}
	if f.again(0) {
		t.Fatal("woken without data: want to park again")
	}
}

func TestSpinStreamParksInsteadOfKernelWait(t *testing.T) {
	// A one-way stream (nothing written between reads): a kernel wait
	// would wake at every message, so the reader parks.
	f := newFakeSpin(100 * time.Microsecond)
	f.stream = true
	for i := 0; i < 10; i++ {
		if k, parked := f.read(10*us, true); !parked || k != 0 {
			t.Fatalf("message %d of a stream: parked %v, %d kernel waits; want to park", i, parked, k)
		}
	}
	// The same with a reply written after each read: kernel waits.
	f.stream = false
	f.read(10*us, true)
	if k, parked := f.read(10*us, true); parked || k != 1 {
		t.Fatalf("request/reply: parked %v, %d kernel waits; want one kernel wait", parked, k)
	}
}
