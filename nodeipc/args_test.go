package nodeipc

import (
	"slices"
	"testing"
)

// TestTrimDenoArgs: the argument lists Deno 2.9's fork() gives a child
// (as seen from a real Deno parent: compat's Deno tests drive go-child
// through it), and lists that merely look alike.
func TestTrimDenoArgs(t *testing.T) {
	deno := []string{"run", "-A", "--unstable-bare-node-builtins", "--unstable-detect-cjs"}
	for _, c := range []struct {
		name       string
		args, want []string
		denoFork   bool
	}{
		{"deno fork", append(slices.Clone(deno), "echo"), []string{"echo"}, false},
		{"deno fork with args", append(slices.Clone(deno), "serve", "a", "-b"), []string{"serve", "a", "-b"}, false},
		{"deno fork with execArgv", append(slices.Clone(deno), "--v8-flags=--max-old-space-size=64", "echo", "x"), []string{"echo", "x"}, false},
		{"deno fork, no module", slices.Clone(deno), []string{}, false},
		{"node fork", []string{"echo", "x"}, []string{"echo", "x"}, false},
		{"empty", nil, nil, false},
		{"own run mode", []string{"run", "job"}, []string{"run", "job"}, false},
		{"own run with flags", []string{"run", "-v", "job"}, []string{"run", "-v", "job"}, false},
		{"parent's unstable flags", []string{"run", "--unstable-sloppy-imports", "-A", "--unstable-bare-node-builtins", "--unstable-detect-cjs", "echo"}, []string{"echo"}, false},
		{"no run under a Deno fork", []string{"echo"}, []string{"echo"}, true},
		// modulePath naming a Deno subcommand (seen from Deno 2.9.6).
		{"serve mode", []string{"serve", "-A", "x", "-y"}, []string{"serve", "x", "-y"}, true},
		{"serve mode, parent flags", []string{"--unstable-detect-cjs", "serve", "-A", "x"}, []string{"serve", "x"}, true},
		{"run mode", []string{"run", "-A", "x"}, []string{"run", "x"}, true},
		{"eval mode", []string{"eval", "x"}, []string{"eval", "x"}, true},
		{"serve mode, not a Deno fork", []string{"serve", "-A", "x"}, []string{"serve", "-A", "x"}, false},
	} {
		orig := slices.Clone(c.args)
		got := trimDenoFork(c.args, c.denoFork)
		if !slices.Equal(c.args, orig) {
			t.Errorf("%s: args modified", c.name)
		}
		if !slices.Equal(got, c.want) {
			t.Errorf("%s: %q -> %q, want %q", c.name, c.args, got, c.want)
		}
		if !c.denoFork && !slices.Equal(TrimDenoArgs(c.args), c.want) {
			t.Errorf("%s: TrimDenoArgs differs", c.name)
		}
	}
}
