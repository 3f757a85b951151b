//go:build !windows

// Command go-helper is a Windows-only test helper (see main.go).
package main

func main() {}
