//go:build darwin || freebsd || linux || netbsd || openbsd

package nodeipc

import (
	"runtime"
	"sync/atomic"
	"time"
)

// spinPolicy decides how a read that finds no data waits for it (see
// Options.SpinWait). There are three ways to wait:
//
//   - park on the netpoller (what any Go read does): no CPU while waiting,
//     but the wake-up goes through the poller and the scheduler, which costs
//     tens of microseconds of latency and CPU on a busy or virtual machine;
//   - poll: non-blocking reads in a loop until data comes or the budget
//     (SpinWait) runs out. Fastest when the peer runs on another CPU, but it
//     takes a CPU: when the peer needs that CPU (one CPU, or every CPU busy)
//     the poll delays the very reply it waits for;
//   - wait in the kernel: a blocking ppoll on the socket for at most the
//     budget, then the read. No CPU while waiting and one direct wake-up,
//     as a blocking read in C has; but it wakes at the first byte, so a
//     one-way stream would pay one wake-up per message where a parked
//     reader finds many.
//
// The policy waits at all (poll or kernel) only while the channel is in a
// request/reply rhythm: the last read brought at least one whole message
// after a wait shorter than the budget. A read that brings no whole message
// (a trickle, a message in pieces) or a wait that outlasts the budget parks
// the next wait, so an idle or slow channel never spins. It polls only with
// more than one CPU and more than one P (so that a poll never holds the only
// P that a goroutine writing for us needs), and only while polling has not
// been found descheduled: a gap between two polls longer than gapLimit
// means another thread needed this CPU (often the peer the poll waits for),
// so the rest of that wait and the next skip waits go to the kernel
// instead, skip doubling each time it happens again (up to maxSkip) and
// halving after a clean poll. A wait goes to the kernel only when this end
// wrote since its previous read (a reply is due); a one-way stream parks.
//
// It is owned by the read-token holder, and nothing in it is safe for
// concurrent use except wrote, which any writer calls. The clock and the
// kernel wait are fields so that a test can drive it.
type spinPolicy struct {
	budget   int64 // SpinWait in ns; 0 disables waiting before parking
	multiCPU bool  // more than one CPU and P: polling can overlap with the peer

	now   func() int64                    // monotonic clock, ns
	kwait func(fd uintptr, ns int64) bool // blocks until fd is readable (true) or ns pass

	writes atomic.Uint32 // counts writes (wrote)
	seen   uint32        // writes at the previous read

	armed   bool // the last read brought a whole message after a short wait
	skip    int  // waits left that go to the kernel instead of polling
	backoff int  // the next skip after a descheduled poll

	// The wait in progress (waiting), from the first read that found nothing.
	waiting  bool
	how      waitKind
	parked   bool  // handed to the netpoller
	start    int64 // now() at the first empty read
	last     int64 // now() at the previous poll
	deadline int64
	lastWait int64 // length of the last wait (0 if the read found data at once)
}

type waitKind uint8

const (
	waitPark   waitKind = iota // park on the netpoller at once
	waitPoll                   // poll with non-blocking reads
	waitKernel                 // ppoll in the kernel, then read
)

const (
	// gapLimit: a pause this long between two polls (each a system call of
	// a microsecond or two) means the thread was descheduled.
	gapLimit = 20 * time.Microsecond
	minSkip  = 64
	maxSkip  = 8192
)

// init sets the budget (0 or less disables waiting) and the real clock and
// kernel wait.
func (s *spinPolicy) init(budget time.Duration) {
	origin := time.Now()
	*s = spinPolicy{
		budget:   max(int64(budget), 0),
		multiCPU: runtime.NumCPU() > 1 && runtime.GOMAXPROCS(0) > 1,
		now:      func() int64 { return int64(time.Since(origin)) },
		kwait:    waitReadable,
		backoff:  minSkip,
	}
}

// again is asked when a non-blocking read of fd found nothing. It reports
// true to read again (after polling or a kernel wait) and false to park on
// the netpoller.
func (s *spinPolicy) again(fd uintptr) bool {
	now := s.now()
	if !s.waiting {
		s.waiting, s.parked = true, false
		s.start, s.last, s.deadline = now, now, now+s.budget
		s.how = s.choose()
		switch s.how {
		case waitPoll:
			return true
		case waitKernel:
			return s.inKernel(fd, now)
		}
		return s.park()
	}
	if s.parked {
		return false // woken by the poller without data: park again
	}
	if s.how == waitPoll {
		if now-s.last > int64(gapLimit) {
			// Descheduled while polling: whoever ran needed this CPU.
			s.skip, s.backoff = s.backoff, min(2*s.backoff, maxSkip)
			s.how = waitKernel
			return s.inKernel(fd, now)
		}
		s.last = now
		if now < s.deadline {
			return true
		}
		s.armed = false // polled in vain: park, and wait again only after a short wait
		return s.park()
	}
	return s.park() // the kernel said readable, but the read found nothing
}

func (s *spinPolicy) choose() waitKind {
	switch {
	case !s.armed || s.budget == 0:
		return waitPark
	case !s.multiCPU:
		return waitKernel
	case s.skip > 0:
		s.skip--
		return waitKernel
	}
	return waitPoll
}

// inKernel waits in the kernel for the rest of the budget, if a reply is
// due.
func (s *spinPolicy) inKernel(fd uintptr, now int64) bool {
	if s.writes.Load() == s.seen {
		return s.park() // nothing written since the last read: a stream
	}
	if left := s.deadline - now; left > 0 && s.kwait(fd, left) {
		return true
	}
	s.armed = false
	return s.park()
}

func (s *spinPolicy) park() bool {
	s.parked = true
	return false
}

// woke is told that a read returned (data, EOF or an error).
func (s *spinPolicy) woke() {
	s.seen = s.writes.Load()
	if !s.waiting {
		s.lastWait = 0
		return
	}
	s.waiting = false
	s.lastWait = s.now() - s.start
	if s.how == waitPoll {
		s.backoff = max(s.backoff/2, minSkip) // polled without being descheduled
	}
}

// wrote is told that this end wrote to the socket. Safe for concurrent use.
func (s *spinPolicy) wrote() { s.writes.Add(1) }

// framed is told, after a read's data was split into messages, whether it
// completed at least one message: only then may the next wait poll or wait
// in the kernel.
func (s *spinPolicy) framed(whole bool) {
	s.armed = whole && s.budget > 0 && s.lastWait < s.budget
}
