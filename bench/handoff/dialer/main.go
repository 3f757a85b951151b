// Command dialer is the client load of the hand-off benchmark: 16
// concurrent dialers open N connections in total to ADDR; each reads the
// server's reply until EOF and closes. It prints "<conns/s> conns/s".
//
//	dialer 127.0.0.1:PORT N
package main

import (
	"fmt"
	"io"
	"net"
	"os"
	"strconv"
	"sync"
	"sync/atomic"
	"time"
)

const workers = 16

func main() {
	if len(os.Args) != 3 {
		fmt.Fprintln(os.Stderr, "usage: dialer ADDR N")
		os.Exit(2)
	}
	addr := os.Args[1]
	n, err := strconv.Atoi(os.Args[2])
	if err != nil || n <= 0 {
		fmt.Fprintln(os.Stderr, "dialer: N must be a positive integer")
		os.Exit(2)
	}
	var left, failed atomic.Int64
	left.Store(int64(n))
	var wg sync.WaitGroup
	start := time.Now()
	for range workers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for left.Add(-1) >= 0 {
				if err := once(addr); err != nil {
					failed.Add(1)
					fmt.Fprintln(os.Stderr, "dialer:", err)
				}
			}
		}()
	}
	wg.Wait()
	secs := time.Since(start).Seconds()
	if f := failed.Load(); f > 0 {
		fmt.Fprintf(os.Stderr, "dialer: %d of %d connections failed\n", f, n)
		os.Exit(1)
	}
	fmt.Printf("%.0f conns/s\n", float64(n)/secs)
}

// once opens one connection and reads the reply until the server closes.
func once(addr string) error {
	c, err := net.Dial("tcp", addr)
	if err != nil {
		return err
	}
	defer c.Close()
	c.SetDeadline(time.Now().Add(30 * time.Second))
	b, err := io.ReadAll(c)
	if err != nil {
		return err
	}
	if len(b) == 0 {
		return fmt.Errorf("empty reply")
	}
	return nil
}
