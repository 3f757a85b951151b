//go:build !race

package nodeipc_test

const raceEnabled = false
