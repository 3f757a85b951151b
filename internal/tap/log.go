package tap

import (
	"encoding/json"
	"fmt"
	"io"
	"strconv"
	"strings"
	"sync"
	"time"
)

// Format is the log's format.
type Format uint8

const (
	Text  Format = iota // one line per entry, for people
	JSONL               // one JSON object per line, for tools
)

// ParseFormat reads --format: "text" or "jsonl".
func ParseFormat(s string) (Format, error) {
	switch s {
	case "text":
		return Text, nil
	case "jsonl":
		return JSONL, nil
	}
	return 0, fmt.Errorf("unknown log format %q (text or jsonl)", s)
}

// Logger writes entries to w in one format. Its methods are safe for
// concurrent use; it buffers entries until Flush. Each write to w holds
// whole lines only, so taps appending to one file (O_APPEND) do not cut
// into each other's lines. It does not own w.
type Logger struct {
	mu     sync.Mutex
	w      io.Writer
	buf    []byte
	format Format
	err    error // the first write error; later entries are dropped
}

// logBuffer is how much a Logger buffers before it writes.
const logBuffer = 64 << 10

// NewLogger returns a Logger writing to w.
func NewLogger(w io.Writer, f Format) *Logger {
	return &Logger{w: w, format: f}
}

// Log adds one entry.
func (l *Logger) Log(e *Entry) {
	var line []byte
	if l.format == JSONL {
		line = jsonLine(e)
	} else {
		line = textLine(e)
	}
	l.mu.Lock()
	defer l.mu.Unlock()
	if l.err != nil {
		return
	}
	if len(l.buf) > 0 && len(l.buf)+len(line) > logBuffer {
		l.flush()
	}
	l.buf = append(l.buf, line...)
}

// Flush writes the buffered entries out.
func (l *Logger) Flush() error {
	l.mu.Lock()
	defer l.mu.Unlock()
	l.flush()
	return l.err
}

func (l *Logger) flush() {
	if l.err == nil && len(l.buf) > 0 {
		_, l.err = l.w.Write(l.buf)
	}
	l.buf = l.buf[:0]
	if cap(l.buf) > 4*logBuffer {
		l.buf = nil // one huge entry's buffer is not kept
	}
}

// jsonEntry is an Entry's JSON form: the field names tools read.
type jsonEntry struct {
	Time      string   `json:"time"`
	Event     string   `json:"event"`
	Pid       int      `json:"pid,omitempty"`
	Dir       string   `json:"dir,omitempty"`
	Seq       int      `json:"seq,omitempty"`
	Size      *int     `json:"size,omitempty"`
	Cmd       string   `json:"cmd,omitempty"`
	Type      string   `json:"type,omitempty"`
	Key       string   `json:"key,omitempty"`
	Act       string   `json:"act,omitempty"`
	Inner     string   `json:"inner,omitempty"`
	Handles   []string `json:"handles,omitempty"`
	Value     *string  `json:"value,omitempty"`
	Truncated bool     `json:"truncated,omitempty"`
	Err       string   `json:"error,omitempty"`
	Command   []string `json:"command,omitempty"`
	Mode      string   `json:"mode,omitempty"`
	Status    *int     `json:"status,omitempty"`
	Signal    string   `json:"signal,omitempty"`
}

func jsonLine(e *Entry) []byte {
	j := jsonEntry{
		Time: e.Time.UTC().Format(time.RFC3339Nano), Event: e.Event, Pid: e.Pid, Seq: e.Seq,
		Cmd: e.Cmd, Type: e.Type, Key: e.Key, Act: e.Act, Inner: e.Inner, Handles: e.Handles,
		Truncated: e.Truncated, Err: e.Err, Command: e.Command, Mode: e.Mode, Signal: e.Signal,
	}
	if e.Dir != 0 {
		j.Dir = e.Dir.String()
	}
	if e.Event == EventFrame {
		j.Size, j.Value = &e.Size, &e.Value
	}
	if e.Event == EventExit {
		j.Status = &e.Status
	}
	var b strings.Builder
	enc := json.NewEncoder(&b)
	enc.SetEscapeHTML(false)
	if err := enc.Encode(&j); err != nil {
		return []byte(`{"event":"error","error":` + strconv.Quote(err.Error()) + "}\n")
	}
	return []byte(b.String())
}

// textLine: "15:04:05.000000 [pid] parent->child #3 27B NODE_HANDLE
// net.Socket key=… handle=[…] value".
func textLine(e *Entry) []byte {
	var b strings.Builder
	b.WriteString(e.Time.Format("15:04:05.000000"))
	if e.Pid != 0 {
		fmt.Fprintf(&b, " [%d]", e.Pid)
	}
	switch e.Event {
	case EventFrame:
		fmt.Fprintf(&b, " %s #%d %dB", e.Dir, e.Seq, e.Size)
		for _, s := range []string{e.Cmd, e.Type} {
			if s != "" {
				b.WriteString(" " + s)
			}
		}
		if e.Key != "" {
			b.WriteString(" key=" + e.Key)
		}
		if e.Inner != "" {
			b.WriteString(" inner=" + e.Inner)
		}
		if e.Act != "" {
			b.WriteString(" act=" + e.Act)
		}
		for _, h := range e.Handles {
			b.WriteString(" handle=[" + h + "]")
		}
		b.WriteString(" " + e.Value)
		if e.Err != "" {
			b.WriteString(" ERROR: " + e.Err)
		}
	case EventStart:
		fmt.Fprintf(&b, " start %s (%s)", strings.Join(e.Command, " "), e.Mode)
	case EventEOF:
		fmt.Fprintf(&b, " %s end of stream", e.Dir)
	case EventExit:
		if e.Signal != "" {
			fmt.Fprintf(&b, " exit %d (signal %s)", e.Status, e.Signal)
		} else {
			fmt.Fprintf(&b, " exit %d", e.Status)
		}
	default:
		if e.Dir != 0 {
			b.WriteString(" " + e.Dir.String())
		}
		b.WriteString(" " + e.Event + ": " + e.Err)
	}
	b.WriteByte('\n')
	return []byte(b.String())
}
