// Command driver is the Go side of the IPC benchmark (bench/ipc-bench.js):
// a Go parent that starts one child with nodeipc.Start, runs one workload and
// prints one JSON line, like bench/node-parent.js does for a Node parent.
// With -raw it measures a bare AF_UNIX socketpair between two processes
// (this binary re-executed as the child) with no encoding and blocking
// syscalls: the physical limit of the box.
//
//	driver -child=go-child|-child=node -node=/path/to/node -script=bench/node-child.js
//	       -test=startup|pingpong|stream|pipeline -n=N -size=BYTES [-serialization=json]
//	       (pipeline: -window messages in flight to the echo child for -n ms)
//	driver -raw -test=pingpong|stream -n=N -size=BYTES
//	driver ... -cpuprofile=FILE   (profile of this process)
package main

import (
	"bytes"
	"context"
	"encoding/json"
	"flag"
	"fmt"
	"os"
	"os/exec"
	"regexp"
	"runtime/pprof"
	"strconv"
	"strings"
	"time"

	"github.com/nodeipc/nodeipc-go/nodeipc"
)

type result struct {
	Parent        string  `json:"parent"`
	Test          string  `json:"test"`
	Serialization string  `json:"serialization"`
	Size          int     `json:"size"`
	StartupMS     float64 `json:"startup_ms,omitempty"`
	ChildHWMKB    int     `json:"child_hwm_kb,omitempty"`
	N             int     `json:"n,omitempty"`
	Seconds       float64 `json:"seconds,omitempty"`
	PerSec        float64 `json:"per_sec,omitempty"`
	USPerOp       float64 `json:"us_per_op,omitempty"`
	MBPerS        float64 `json:"MB_per_s,omitempty"`
	ChildCPUUS    float64 `json:"child_cpu_us_per_op,omitempty"`
}

type msg struct {
	Seq int    `json:"seq"`
	P   string `json:"p"`
}

func main() {
	if m := os.Getenv("NODEIPC_BENCH_RAW_CHILD"); m != "" {
		os.Exit(rawChild(m))
	}
	child := flag.String("child", "node", `"node" or the path of cmd/go-child`)
	node := flag.String("node", "node", "Node binary for -child=node")
	script := flag.String("script", "bench/node-child.js", "Node child script for -child=node")
	test := flag.String("test", "pingpong", "startup, pingpong or stream")
	n := flag.Int("n", 10000, "round trips or messages")
	size := flag.Int("size", 16, "payload bytes")
	ser := flag.String("serialization", "json", "json or advanced")
	raw := flag.Bool("raw", false, "bare socketpair, no encoding")
	window := flag.Int("window", 256, "stream: messages posted between two blocking sends; pipeline: messages in flight")
	cpuprofile := flag.String("cpuprofile", "", "write a CPU profile of this process")
	flag.Parse()
	if *cpuprofile != "" {
		f, err := os.Create(*cpuprofile)
		check(err)
		check(pprof.StartCPUProfile(f))
		defer pprof.StopCPUProfile()
	}
	var r result
	var err error
	if *raw {
		r, err = runRaw(*test, *n, *size)
	} else {
		r, err = runChannel(*child, *node, *script, *test, *ser, *n, *size, *window)
	}
	check(err)
	out, _ := json.Marshal(r)
	fmt.Println(string(out))
}

func check(err error) {
	if err != nil {
		pprof.StopCPUProfile()
		fmt.Fprintln(os.Stderr, "driver:", err)
		os.Exit(1)
	}
}

// cpuMS returns the CPU time the process has used so far (all threads), in
// milliseconds, from schedstat.
func cpuMS(pid int) float64 {
	dir := "/proc/" + strconv.Itoa(pid) + "/task"
	ents, err := os.ReadDir(dir)
	if err != nil {
		return 0
	}
	var ns float64
	for _, e := range ents {
		b, err := os.ReadFile(dir + "/" + e.Name() + "/schedstat")
		if err != nil {
			continue
		}
		f := strings.Fields(string(b))
		if len(f) > 0 {
			v, _ := strconv.ParseFloat(f[0], 64)
			ns += v
		}
	}
	return ns / 1e6
}

var hwmRe = regexp.MustCompile(`VmHWM:\s+(\d+) kB`)

func hwmKB(pid int) int {
	b, err := os.ReadFile("/proc/" + strconv.Itoa(pid) + "/status")
	if err != nil {
		return 0
	}
	m := hwmRe.FindSubmatch(b)
	if m == nil {
		return 0
	}
	v, _ := strconv.Atoi(string(m[1]))
	return v
}

func runChannel(child, node, script, test, ser string, n, size, window int) (result, error) {
	mode, err := nodeipc.ParseSerialization(ser)
	if err != nil {
		return result{}, err
	}
	chMode := "echo"
	if test == "stream" {
		chMode = "sink"
	}
	var cmd *exec.Cmd
	if child == "node" {
		cmd = exec.Command(node, script, chMode)
	} else {
		cmd = exec.Command(child, chMode)
	}
	cmd.Stdout, cmd.Stderr = os.Stdout, os.Stderr
	ctx := context.Background()
	r := result{Parent: "go", Test: test, Serialization: ser, Size: size}

	t0 := time.Now()
	ch, err := nodeipc.Start(cmd, &nodeipc.Options{Serialization: mode})
	if err != nil {
		return r, err
	}
	defer cmd.Wait()
	defer ch.Close()
	if chMode == "echo" {
		err = ch.Send(ctx, msg{Seq: -1})
	} else {
		err = ch.Send(ctx, map[string]bool{"end": true})
	}
	if err != nil {
		return r, err
	}
	if _, err := ch.Recv(ctx); err != nil {
		return r, err
	}
	r.StartupMS = round(time.Since(t0).Seconds()*1e3, 2)
	cpu0 := cpuMS(cmd.Process.Pid)

	payload := string(bytes.Repeat([]byte("x"), size))
	switch test {
	case "startup":
	case "pingpong":
		t := time.Now()
		var last *nodeipc.Message
		for i := 0; i < n; i++ {
			if err := ch.Send(ctx, msg{Seq: i, P: payload}); err != nil {
				return r, err
			}
			if last, err = ch.Recv(ctx); err != nil {
				return r, err
			}
		}
		s := time.Since(t).Seconds()
		var m msg
		if err := last.Decode(&m); err != nil || m.Seq != n-1 || len(m.P) != size {
			return r, fmt.Errorf("bad echo %v (%v)", m.Seq, err)
		}
		r.N, r.Seconds, r.PerSec, r.USPerOp = n, round(s, 4), round(float64(n)/s, 0), round(s*1e6/float64(n), 2)
	case "stream":
		// Post is Node's asynchronous send(); a blocking Send every window
		// messages is the back-pressure (it returns once everything posted
		// before it is written).
		t := time.Now()
		for i := 0; i < n; i++ {
			m := msg{Seq: i, P: payload}
			if window > 0 && i%window == window-1 {
				err = ch.Send(ctx, m)
			} else {
				err = ch.Post(m)
			}
			if err != nil {
				return r, err
			}
		}
		if err := ch.Send(ctx, map[string]bool{"end": true}); err != nil {
			return r, err
		}
		rep, err := ch.Recv(ctx)
		if err != nil {
			return r, err
		}
		s := time.Since(t).Seconds()
		var c struct{ Count int }
		if err := rep.Decode(&c); err != nil || c.Count != n {
			return r, fmt.Errorf("child counted %d, want %d (%v)", c.Count, n, err)
		}
		r.N, r.Seconds, r.PerSec, r.MBPerS = n, round(s, 4), round(float64(n)/s, 0), round(float64(n*size)/s/1e6, 1)
	case "pipeline":
		// window messages in flight for n ms: every reply is answered with
		// a new message (Post, Node's asynchronous send) until the time is
		// up, then the last window drains.
		t := time.Now()
		deadline := t.Add(time.Duration(n) * time.Millisecond)
		sent, got := 0, 0
		for ; sent < window; sent++ {
			if err := ch.Post(msg{Seq: sent, P: payload}); err != nil {
				return r, err
			}
		}
		for got < sent {
			m, err := ch.Recv(ctx)
			if err != nil {
				return r, err
			}
			got++
			if len(m.Raw()) < size {
				return r, fmt.Errorf("bad echo %q", m.Raw())
			}
			if time.Now().Before(deadline) {
				if err := ch.Post(msg{Seq: sent, P: payload}); err != nil {
					return r, err
				}
				sent++
			}
		}
		s := time.Since(t).Seconds()
		r.N, r.Seconds, r.PerSec, r.USPerOp = got, round(s, 4), round(float64(got)/s, 0), round(s*1e6/float64(got), 2)
	default:
		return r, fmt.Errorf("unknown test %q", test)
	}
	r.ChildHWMKB = hwmKB(cmd.Process.Pid)
	if r.N > 0 {
		r.ChildCPUUS = round((cpuMS(cmd.Process.Pid)-cpu0)*1e3/float64(r.N), 2)
	}
	return r, nil
}

func round(v float64, digits int) float64 {
	p := 1.0
	for range digits {
		p *= 10
	}
	return float64(int64(v*p+0.5)) / p
}
