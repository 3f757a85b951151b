//go:build !linux

package main

import "errors"

// runRaw needs a Linux socketpair with blocking system calls.
func runRaw(test string, n, size int) (result, error) {
	return result{}, errors.New("-raw is implemented on Linux only")
}

func rawChild(mode string) int { return 2 }
