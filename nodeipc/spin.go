//go:build darwin || freebsd || linux || netbsd || openbsd

package nodeipc

import (
	"runtime"
	"sync/atomic"
	"time"
)

// spinPolicy decides how a read that finds no data waits for it (see
// Options.SpinWait). There are two ways to wait:
//
//   - park on the netpoller (what any Go read does): no CPU while waiting,
//     but the wake-up goes through the poller and the scheduler: the
//     goroutine parks, its P goes idle, a thread blocks in epoll, and the
//     wake-up readies the goroutine and usually wakes another thread to
//     look for work. On a busy or virtual machine that costs tens of
//     microseconds of latency and CPU per message;
//   - wait in the kernel on the reading goroutine's own thread: a ppoll on
//     the socket for at most the budget (SpinWait), then the read. No CPU
//     while waiting, and one direct wake-up by the peer's write, as a
//     blocking read in C has. It is a raw system call (waitReadable): the
//     runtime keeps this P with the goroutine, so no other thread is woken
//     and nothing is handed over. It wakes at the first byte, so a one-way
//     stream would pay one wake-up per message where a parked reader finds
//     many.
//
// (An earlier policy also polled with non-blocking reads. It won on an idle
// machine and lost as soon as the peer needed the CPU the poll took; the
// kernel wait is as fast as the poll on an idle machine here and never
// takes a CPU, see BENCHMARKS.md.)
//
// The reader waits in the kernel only when a reply is due and the channel
// is in a request/reply rhythm: this end wrote since its previous read,
// and the last read brought at least one whole message after a wait
// shorter than the budget. Anything else parks: a read that brings no
// whole message (a trickle, a message in pieces), a wait that outlasts the
// budget (the next waits park until a short wait re-arms it), a one-way
// stream.
//
// It is owned by the read-token holder, and nothing in it is safe for
// concurrent use except wrote, which any writer calls. The clock and the
// kernel wait are fields so that a test can drive it.
type spinPolicy struct {
	budget int64 // SpinWait in ns; 0 disables waiting before parking
	yield  bool  // one P: let other goroutines run before a kernel wait

	now   func() int64                                // monotonic clock, ns
	kwait func(fd uintptr, ns int64, yield bool) bool // blocks until fd is readable (true) or ns pass

	writes atomic.Uint32 // counts writes (wrote)
	seen   uint32        // writes at the previous read

	armed bool // the last read brought a whole message after a short wait

	// The wait in progress (waiting), from the first read that found
	// nothing.
	waiting  bool
	kernel   bool  // this wait may go to the kernel
	parked   bool  // handed to the netpoller
	start    int64 // now() when the wait began
	lastWait int64 // length of the last wait (0 if the read found data at once)
}

// init sets the budget (0 or less disables waiting) and the real clock and
// kernel wait.
func (s *spinPolicy) init(budget time.Duration) {
	origin := time.Now()
	*s = spinPolicy{
		budget: max(int64(budget), 0),
		yield:  runtime.GOMAXPROCS(0) == 1,
		now:    func() int64 { return int64(time.Since(origin)) },
		kwait:  waitReadable,
	}
}

// replyDue reports whether a kernel wait may start now.
func (s *spinPolicy) replyDue() bool {
	return s.armed && s.budget > 0 && s.writes.Load() != s.seen
}

// again is asked when a non-blocking read of fd found nothing. It reports
// true to read again (after a kernel wait) and false to park on the
// netpoller.
func (s *spinPolicy) again(fd uintptr) bool {
	now := s.now()
	if !s.waiting {
		s.waiting, s.parked = true, false
		s.kernel = s.replyDue()
		s.start = now
	}
	if s.parked || !s.kernel || !s.armed {
		return s.park() // nothing due, or woken by the poller without data
	}
	// A signal (the runtime's preemption) may have ended the kernel wait
	// early: wait again for the rest of the budget.
	if left := s.start + s.budget - now; left > 0 && s.kwait(fd, left, s.yield) {
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
	s.lastWait = max(s.now()-s.start, 1)
}

// wrote is told that this end wrote to the socket. Safe for concurrent use.
func (s *spinPolicy) wrote() { s.writes.Add(1) }

// framed is told, after a read's data was split into messages, whether it
// completed at least one message: only then may the next wait be a kernel
// wait.
func (s *spinPolicy) framed(whole bool) {
	s.armed = whole && s.budget > 0 && s.lastWait < s.budget
}
