//go:build windows

package main

import (
	"fmt"
	"io"
)

// runHTTPWorker: package cluster does not support Windows yet.
func runHTTPWorker(_ []string, stderr io.Writer) int {
	fmt.Fprintln(stderr, "go-child: http-worker is not supported on Windows yet")
	return 2
}
