//go:build race

package nodeipc_test

// raceEnabled: the race detector's shadow memory inflates RSS several
// times over, so memory budgets are only logged.
const raceEnabled = true
