package tap

import (
	"bytes"
	"encoding/hex"
	"encoding/json"
	"time"
	"unicode/utf8"

	"github.com/nodeipc/nodeipc-go/nodeipc/v8value"
)

// Dir is the direction a frame travels.
type Dir uint8

const (
	ToChild  Dir = iota + 1 // from the parent to the child
	ToParent                // from the child to the parent
)

func (d Dir) String() string {
	switch d {
	case ToChild:
		return "parent->child"
	case ToParent:
		return "child->parent"
	}
	return ""
}

// Event kinds of an Entry.
const (
	EventFrame = "frame" // one frame relayed
	EventStart = "start" // the child started
	EventEOF   = "eof"   // one side closed the channel (Dir says which way data stopped)
	EventError = "error" // a read or write failed; Err says what
	EventExit  = "exit"  // the child exited; Status is the tap's exit status
)

// Entry is one line of the log: a frame relayed, or an event of the
// relay's life. Fields that do not apply are zero.
type Entry struct {
	Time  time.Time
	Event string
	Pid   int // the child's process id
	Dir   Dir
	Seq   int // the frame's number in its direction, from 1
	Size  int // bytes on the wire, framing included

	// Internal messages: Cmd (NODE_HANDLE, NODE_HANDLE_ACK, …), the
	// handle's Type and Key, and for cluster traffic (NODE_CLUSTER, also
	// inside a NODE_HANDLE) the Act and the inner command.
	Cmd, Type, Key, Act, Inner string

	// Handles describes the descriptors relayed with the frame, one
	// per descriptor ("tcp4 connected 127.0.0.1:8000 <- 127.0.0.1:5311").
	Handles []string

	Value     string // the message, decoded (JSON: its text), cut at the chosen length
	Truncated bool   // Value was cut
	Err       string // why the frame does not decode, or what failed

	// Start and exit events.
	Command []string
	Mode    string
	Status  int    // exit: the tap's exit status (128+n for signal n)
	Signal  string // exit: the signal that ended the child
}

// describe fills e's message fields from a frame's body.
func describe(e *Entry, mode Mode, f frame, max int) {
	if !f.whole {
		e.Err = "not decoded: frame larger than the tap keeps"
		if mode == JSON {
			e.Value, e.Truncated = cut(f.body, max), true
		}
		return
	}
	if mode == JSON {
		describeJSON(e, f.body, max)
		return
	}
	describeAdvanced(e, f.body, max)
}

// cut returns the first max bytes of b (at a character boundary) as text.
func cut(b []byte, max int) string {
	if max <= 0 || len(b) <= max {
		return string(b)
	}
	for max > 0 && !utf8.RuneStart(b[max]) {
		max--
	}
	return string(b[:max]) + "…"
}

func describeJSON(e *Entry, line []byte, max int) {
	e.Value = cut(line, max)
	e.Truncated = max > 0 && len(line) > max
	if !json.Valid(line) {
		e.Err = "malformed JSON (a Node receiver throws)"
		return
	}
	if !bytes.Contains(line, []byte("NODE_")) {
		return
	}
	var top map[string]json.RawMessage
	if json.Unmarshal(line, &top) != nil {
		return
	}
	e.Cmd = internalCmd(jsonString(top["cmd"]))
	if e.Cmd == "" {
		return
	}
	e.Type, e.Key, e.Act = jsonString(top["type"]), jsonString(top["key"]), jsonString(top["act"])
	if e.Cmd == "NODE_HANDLE" {
		var inner map[string]json.RawMessage
		if json.Unmarshal(top["msg"], &inner) == nil {
			if e.Inner = internalCmd(jsonString(inner["cmd"])); e.Inner != "" {
				e.Act = jsonString(inner["act"])
			}
		}
	}
}

func jsonString(raw json.RawMessage) string {
	var s string
	if len(raw) == 0 || raw[0] != '"' || json.Unmarshal(raw, &s) != nil {
		return ""
	}
	return s
}

// internalCmd returns s if it makes a message internal (Node's rule: a
// string longer than five characters starting with NODE_), else "".
func internalCmd(s string) string {
	if len(s) > 5 && s[:5] == "NODE_" {
		return s
	}
	return ""
}

func describeAdvanced(e *Entry, payload []byte, max int) {
	v, err := v8value.Decode(payload)
	if err != nil {
		e.Err = err.Error()
		h := payload
		if max > 0 && len(h) > max/2 {
			h, e.Truncated = h[:max/2], true
		}
		e.Value = hex.EncodeToString(h)
		return
	}
	b, trunc := v8value.AppendFormat(nil, v, max)
	e.Value, e.Truncated = string(b), trunc
	obj, ok := v.(*v8value.Object)
	if !ok {
		return
	}
	if e.Cmd = internalCmd(v8String(obj, "cmd")); e.Cmd == "" {
		return
	}
	e.Type, e.Key, e.Act = v8String(obj, "type"), v8String(obj, "key"), v8String(obj, "act")
	if e.Cmd == "NODE_HANDLE" {
		if m, _ := obj.Get("msg"); m != nil {
			if inner, ok := m.(*v8value.Object); ok {
				if e.Inner = internalCmd(v8String(inner, "cmd")); e.Inner != "" {
					e.Act = v8String(inner, "act")
				}
			}
		}
	}
}

// v8String returns the property key of o when it is a primitive string
// (one- or two-byte), else "".
func v8String(o *v8value.Object, key string) string {
	v, _ := o.Get(key)
	switch s := v.(type) {
	case string:
		return s
	case v8value.UTF16String:
		return s.String()
	}
	return ""
}
