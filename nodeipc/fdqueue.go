package nodeipc

import "sync"

// fdQueue holds the handles received (descriptors with SCM_RIGHTS on Unix)
// that no NODE_HANDLE message has claimed yet, oldest first. Node sends one
// with the first byte of each handle message, so the message that claims
// one always arrives after it (in the same read or a later one).
//
// The read-token holder adds and takes descriptors; Close empties the queue.
// All methods are safe for concurrent use. The queue owns what it holds:
// take hands a descriptor over to the caller, trim and closeAll close them.
type fdQueue struct {
	mu    sync.Mutex
	files []rxHandle
}

// push adds descriptors received by one recvmsg, in the order they came.
func (q *fdQueue) push(files []rxHandle) {
	if len(files) == 0 {
		return
	}
	q.mu.Lock()
	q.files = append(q.files, files...)
	q.mu.Unlock()
}

// take removes and returns the oldest handle; ok is false when none is
// waiting. The caller owns it.
func (q *fdQueue) take() (h rxHandle, ok bool) {
	q.mu.Lock()
	defer q.mu.Unlock()
	if len(q.files) == 0 {
		return rxHandle{}, false
	}
	h = q.files[0]
	q.files[0] = rxHandle{}
	q.files = q.files[1:]
	if len(q.files) == 0 {
		q.files = nil
	}
	return h, true
}

// trim closes the oldest descriptors beyond keep and reports how many it
// closed.
func (q *fdQueue) trim(keep int) int {
	q.mu.Lock()
	var extra []rxHandle
	if n := len(q.files) - keep; n > 0 {
		extra = append(extra, q.files[:n]...)
		q.files = append(q.files[:0], q.files[n:]...)
	}
	q.mu.Unlock()
	for _, f := range extra {
		f.close()
	}
	return len(extra)
}

// closeAll closes every waiting descriptor.
func (q *fdQueue) closeAll() {
	q.mu.Lock()
	files := q.files
	q.files = nil
	q.mu.Unlock()
	for _, f := range files {
		f.close()
	}
}
