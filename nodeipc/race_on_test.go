//go:build race

package nodeipc_test

// raceEnabled: the race detector multiplies memory use, so peak-RSS
// limits are not checked.
const raceEnabled = true
