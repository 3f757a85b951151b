//go:build !windows

// Command pipe-echo is a Windows-only test helper (see main.go).
package main

func main() {}
