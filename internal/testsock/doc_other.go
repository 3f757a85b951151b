//go:build !unix

// Package testsock has the socket and descriptor helpers the project's tests
// share; Pair exists on Unix only.
package testsock
