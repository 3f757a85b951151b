//go:build windows

package main

import (
	"context"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"os/exec"
	"strconv"
	"sync"
	"time"

	"github.com/nodeipc/nodeipc-go/nodeipc/cluster"
)

// primary is Go as a cluster primary on Windows (run directly): it forks a
// Node worker (SCRIPT, an HTTP server answering "node ID") and a
// `go-child http-worker go` worker, checks that 100 requests are all
// answered (under round-robin by both), then disconnects both and expects
// each to exit 0.
func primary(policy, node, script, goChild string) error {
	ctx, cancel := context.WithTimeout(context.Background(), 90*time.Second)
	defer cancel()
	pol := cluster.SchedRR
	if policy == "none" {
		pol = cluster.SchedNone
	}
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return err
	}
	port := l.Addr().(*net.TCPAddr).Port
	l.Close()
	p := cluster.NewPrimary(&cluster.PrimaryOptions{SchedulingPolicy: pol})
	defer p.Close()
	var children []*cluster.Child
	for _, cmd := range []*exec.Cmd{exec.Command(node, script), exec.Command(goChild, "http-worker", "go")} {
		cmd.Env = append(os.Environ(), "PORT="+strconv.Itoa(port))
		c, err := p.Fork(ctx, cmd)
		if err != nil {
			return fmt.Errorf("fork %s: %w", cmd.Path, err)
		}
		defer cmd.Process.Kill()
		children = append(children, c)
	}
	for _, c := range children {
		if err := c.Online(ctx); err != nil {
			return fmt.Errorf("worker %d online: %w", c.ID(), err)
		}
		info, err := c.Listening(ctx)
		if err != nil {
			return fmt.Errorf("worker %d listening: %w", c.ID(), err)
		}
		if info.Port != port {
			return fmt.Errorf("worker %d listening on %+v, want port %d", c.ID(), info, port)
		}
	}
	counts, err := load(port, 100)
	if err != nil {
		return err
	}
	fmt.Printf("go primary, policy %s: 100 requests %v\n", policy, counts)
	if pol == cluster.SchedRR && (counts["go"] == 0 || counts["node "+strconv.Itoa(children[0].ID())] == 0) {
		return fmt.Errorf("under round-robin both workers serve: %v", counts)
	}
	for _, c := range children {
		if err := c.Disconnect(ctx); err != nil {
			return fmt.Errorf("worker %d disconnect: %w", c.ID(), err)
		}
		if err := c.Wait(); err != nil {
			return fmt.Errorf("worker %d after disconnect: %w", c.ID(), err)
		}
		if !c.ExitedAfterDisconnect() {
			return fmt.Errorf("worker %d: ExitedAfterDisconnect false", c.ID())
		}
	}
	fmt.Println("disconnected: both workers exited 0")
	return nil
}

// load sends n requests, 8 at a time, and counts the answers by body.
func load(port, n int) (map[string]int, error) {
	var mu sync.Mutex
	counts := map[string]int{}
	var firstErr error
	next := 0
	var wg sync.WaitGroup
	client := &http.Client{Timeout: 20 * time.Second, Transport: &http.Transport{DisableKeepAlives: true}}
	for range 8 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for {
				mu.Lock()
				if next == n || firstErr != nil {
					mu.Unlock()
					return
				}
				next++
				mu.Unlock()
				body, err := get(client, port)
				mu.Lock()
				if err != nil && firstErr == nil {
					firstErr = err
				}
				counts[body]++
				mu.Unlock()
			}
		}()
	}
	wg.Wait()
	return counts, firstErr
}

func get(client *http.Client, port int) (string, error) {
	resp, err := client.Get("http://127.0.0.1:" + strconv.Itoa(port) + "/")
	if err != nil {
		return "", err
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	return string(b), err
}
