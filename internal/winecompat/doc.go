// Package winecompat holds the Windows compatibility suite: the real Windows
// node.exe (the versions pinned in testdata/win/package.json) runs under wine
// as the stand-in for Windows, forking Node children and the Go programs of
// this module cross-built for windows/amd64.
//
// The tests carry the build tag "wine" and need the environment that
// scripts/checks/40-wine.sh prepares (wine64, a Windows 10 prefix with the
// stand-in bcryptprimitives.dll, NODEIPC_WINE=1); run that script rather than
// go test directly.
package winecompat
