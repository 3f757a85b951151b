//go:build !unix

// Package testsock has the socket and descriptor helpers the project's tests
// share; its socketpair helpers exist on Unix only.
package testsock
